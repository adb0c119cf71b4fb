/** The audience picker: the project's audiences, filtered by name or display name. */
import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { withRetry } from '../../shared/retry';
import { callAudiences, readCredentials } from '../transport';

const PAGE_SIZE = 100;
const PICKER_RETRY = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 5000 };

export async function searchAudiences(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const credentials = await readCredentials(this);
	const qs: IDataObject = { limit: PAGE_SIZE };
	if (paginationToken) qs.from = paginationToken;
	const answer = await withRetry(() => callAudiences(this, credentials, { route: 'list', qs, what: 'List audiences' }), PICKER_RETRY);
	const body = (answer.body ?? {}) as IDataObject;
	const wanted = (filter ?? '').toLowerCase();
	const results = ((body.audiences ?? []) as IDataObject[])
		.filter((audience) => `${String(audience.name)} ${String(audience.display_name ?? '')}`.toLowerCase().includes(wanted))
		.map((audience) => {
			const label = audience.display_name && audience.display_name !== audience.name ? `${String(audience.display_name)} — ` : '';
			return { name: `${label}${String(audience.name)} (${Number(audience.nb_ids ?? 0)} IDs)`, value: String(audience.name) };
		});
	const next = body.has_more === true && typeof body.next_from === 'string' ? body.next_from : undefined;
	return { results, paginationToken: next };
}
