/** Reading Amplitude's cohort objects: timestamps of either unit, the simplified view, the filters. */
import type { IDataObject } from 'n8n-workflow';

import type { AmplitudeCohort } from '../transport/cohorts';

/** Above this, an epoch value is in milliseconds (1e11 seconds is the year 5138). */
const MILLISECONDS_THRESHOLD = 1e11;

/** Epoch seconds or milliseconds (number or numeric string), or a date string → ISO date; null when unreadable. */
export function epochToIso(value: unknown): string | null {
	if (value === null || value === undefined || value === '') return null;
	const numeric = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
	if (Number.isFinite(numeric)) {
		const ms = numeric > MILLISECONDS_THRESHOLD ? numeric : numeric * 1000;
		return new Date(ms).toISOString();
	}
	if (typeof value === 'string') {
		const parsed = Date.parse(value);
		return Number.isNaN(parsed) ? null : new Date(parsed).toISOString();
	}
	return null;
}

export function simplifyCohort(cohort: AmplitudeCohort): IDataObject {
	return {
		id: String(cohort.id),
		name: cohort.name ?? '',
		size: typeof cohort.size === 'number' ? cohort.size : Number(cohort.size ?? 0) || 0,
		lastComputed: epochToIso(cohort.lastComputed),
		archived: cohort.archived === true,
		owners: Array.isArray(cohort.owners) ? cohort.owners : [],
	};
}

export interface CohortFilters {
	nameContains?: string;
	includeArchived?: boolean;
	onlyFinished?: boolean;
	onlyPublished?: boolean;
}

export function filterCohorts(cohorts: AmplitudeCohort[], filters: CohortFilters): AmplitudeCohort[] {
	const needle = (filters.nameContains ?? '').trim().toLowerCase();
	return cohorts.filter(
		(cohort) =>
			(filters.includeArchived === true || cohort.archived !== true) &&
			(filters.onlyFinished !== true || cohort.finished === true) &&
			(filters.onlyPublished !== true || cohort.published === true) &&
			(needle === '' || String(cohort.name ?? '').toLowerCase().includes(needle)),
	);
}

export function formatCount(count: number): string {
	return count.toLocaleString('en-US');
}
