/** The audience picker: the audiences that fit the node (and, for an app, the identifier type), filtered by name. */
import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { withRetry } from '../../shared/retry';
import { connectAudienceApi, type BatchApiName } from '../actions/audience/connect';

const PAGE_SIZE = 100;
const MAX_PAGES_PER_SEARCH = 10;
const PICKER_RETRY = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 5000 };

type SearchAudiences = (this: ILoadOptionsFunctions, filter?: string, paginationToken?: string) => Promise<INodeListSearchResult>;

export function audienceSearch(apiName: BatchApiName): SearchAudiences {
	return async function searchAudiences(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string) {
		const api = await connectAudienceApi(this, apiName, this.getCurrentNodeParameter('identifierType'));
		const wanted = (filter ?? '').toLowerCase();
		const results: INodeListSearchResult['results'] = [];
		let cursor = paginationToken;
		// With a filter, read on until something matches, so a name deep in the list is still found.
		for (let page = 0; page < MAX_PAGES_PER_SEARCH && results.length === 0; page++) {
			const { audiences, next } = await withRetry(async () => await api.list(cursor, PAGE_SIZE), PICKER_RETRY);
			for (const audience of audiences) {
				const name = String(audience.name);
				const displayName = audience.display_name ? String(audience.display_name) : '';
				if (typeof audience.type === 'string' && !api.acceptedTypes.includes(audience.type)) continue;
				if (!`${name} ${displayName}`.toLowerCase().includes(wanted)) continue;
				const label = displayName && displayName !== name ? `${displayName} — ` : '';
				results.push({ name: `${label}${name} (${Number(audience.nb_ids ?? 0)} IDs)`, value: name });
			}
			cursor = next;
			if (cursor === undefined) break;
		}
		return { results, paginationToken: cursor };
	};
}
