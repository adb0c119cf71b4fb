/** The audience picker: the app's audiences of the chosen identifier type, filtered by name. */
import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { withRetry } from '../../shared/retry';
import { identifierTypeInfo } from '../identifier-types';
import { callCustomAudience, readCredentials } from '../transport';

const PAGE_SIZE = 100;
const MAX_PAGES_PER_SEARCH = 10;
const PICKER_RETRY = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 5000 };

export async function searchAudiences(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const credentials = await readCredentials(this);
	const identifier = identifierTypeInfo(this.getCurrentNodeParameter('identifierType'));
	const wanted = (filter ?? '').toLowerCase();
	const results: INodeListSearchResult['results'] = [];
	let from = paginationToken ? Number(paginationToken) : 0;
	let next: string | undefined;
	// With a filter, read on until something matches, so a name deep in the list is still found.
	for (let page = 0; page < MAX_PAGES_PER_SEARCH && results.length === 0; page++) {
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
		for (const audience of audiences) {
			if (audience.type && audience.type !== identifier.audienceType) continue;
			if (!String(audience.name).toLowerCase().includes(wanted)) continue;
			results.push({ name: `${String(audience.name)} (${Number(audience.nb_ids ?? 0)} IDs)`, value: String(audience.name) });
		}
		from += audiences.length;
		next = audiences.length >= PAGE_SIZE ? String(from) : undefined;
		if (next === undefined) break;
	}
	return { results, paginationToken: next };
}
