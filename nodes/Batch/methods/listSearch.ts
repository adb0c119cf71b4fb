/** The audience picker: the app's audiences of the chosen identifier type, filtered by name. */
import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { withRetry } from '../../shared/retry';
import { identifierTypeInfo } from '../identifier-types';
import { callCustomAudience, readCredentials } from '../transport';

const PAGE_SIZE = 100;
const PICKER_RETRY = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 5000 };

export async function searchAudiences(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const credentials = await readCredentials(this);
	const identifier = identifierTypeInfo(this.getCurrentNodeParameter('identifierType'));
	const from = paginationToken ? Number(paginationToken) : 0;
	const answer = await withRetry(
		() =>
			callCustomAudience(this, credentials, {
				method: 'GET',
				version: identifier.version,
				qs: { from, limit: PAGE_SIZE },
				what: 'List audiences',
			}),
		PICKER_RETRY,
	);
	const audiences = ((answer.body as IDataObject)?.custom_audiences ?? []) as IDataObject[];
	const wanted = (filter ?? '').toLowerCase();
	const results = audiences
		.filter((audience) => !audience.type || audience.type === identifier.audienceType)
		.filter((audience) => String(audience.name).toLowerCase().includes(wanted))
		.map((audience) => ({ name: `${String(audience.name)} (${Number(audience.nb_ids ?? 0)} IDs)`, value: String(audience.name) }));
	return { results, paginationToken: audiences.length >= PAGE_SIZE ? String(from + audiences.length) : undefined };
}
