/** The cohort picker: every cohort of the project, searchable by name or ID, with its size. */
import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { formatCount } from '../helpers/cohortFields';
import { listCohorts } from '../transport/cohorts';

/** The editor is waiting: a few quick retries, then the error (scrubbed of the keys by the transport). */
const PICKER_RETRY = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 5000 };

export async function searchCohorts(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const needle = (filter ?? '').trim().toLowerCase();
	const cohorts = (await listCohorts(this, { retryPolicy: PICKER_RETRY })).filter(
		(cohort) =>
			needle === '' || String(cohort.name ?? '').toLowerCase().includes(needle) || String(cohort.id).toLowerCase() === needle,
	);
	// Live cohorts first, then by name.
	cohorts.sort(
		(a, b) =>
			Number(a.archived === true) - Number(b.archived === true) || String(a.name ?? '').localeCompare(String(b.name ?? '')),
	);
	return {
		results: cohorts.map((cohort) => ({
			name: `${cohort.name ?? cohort.id} (${formatCount(Number(cohort.size ?? 0))} users)${cohort.archived ? ' [archived]' : ''}`,
			value: String(cohort.id),
		})),
	};
}
