/** The audience picker: the project's audiences, filtered by name or display name. */
import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { withRetry } from '../../shared/retry';
import { callAudiences, readCredentials } from '../transport';

const PAGE_SIZE = 100;
const MAX_PAGES_PER_SEARCH = 10;
const PICKER_RETRY = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 5000 };

export async function searchAudiences(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const credentials = await readCredentials(this);
	const wanted = (filter ?? '').toLowerCase();
	const results: INodeListSearchResult['results'] = [];
	let cursor = paginationToken;
	// With a filter, read on until something matches, so a name deep in the list is still found.
	for (let page = 0; page < MAX_PAGES_PER_SEARCH && results.length === 0; page++) {
		const qs: IDataObject = { limit: PAGE_SIZE };
		if (cursor) qs.from = cursor;
		const answer = await withRetry(() => callAudiences(this, credentials, { route: 'list', qs, what: 'List audiences' }), PICKER_RETRY);
		const body = (answer.body ?? {}) as IDataObject;
		for (const audience of (body.audiences ?? []) as IDataObject[]) {
			if (!`${String(audience.name)} ${String(audience.display_name ?? '')}`.toLowerCase().includes(wanted)) continue;
			const label = audience.display_name && audience.display_name !== audience.name ? `${String(audience.display_name)} — ` : '';
			results.push({ name: `${label}${String(audience.name)} (${Number(audience.nb_ids ?? 0)} IDs)`, value: String(audience.name) });
		}
		cursor = body.has_more === true && typeof body.next_from === 'string' ? body.next_from : undefined;
		if (cursor === undefined) break;
	}
	return { results, paginationToken: cursor };
}
