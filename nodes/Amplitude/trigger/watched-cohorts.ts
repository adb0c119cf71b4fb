/** Which cohorts of the listing the trigger watches: those picked in the list, or those whose name contains a text. */
import type { AmplitudeCohort } from '../transport/cohorts';

export type WatchMode = 'selected' | 'nameContains';

export interface WatchSettings {
	mode: WatchMode;
	/** Picked cohort ids (mode "selected"). */
	cohortIds: string[];
	/** Case-insensitive (mode "nameContains"). */
	nameContains: string;
	includeArchived: boolean;
}

export interface WatchedCohorts {
	cohorts: AmplitudeCohort[];
	/** Picked ids the listing no longer has. */
	missingIds: string[];
}

export function selectWatched(listing: AmplitudeCohort[], settings: WatchSettings): WatchedCohorts {
	if (settings.mode === 'selected') {
		const byId = new Map(listing.map((cohort) => [String(cohort.id), cohort]));
		const unique = Array.from(new Set(settings.cohortIds.map((id) => id.trim()).filter((id) => id !== '')));
		return {
			cohorts: unique.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
			missingIds: unique.filter((id) => !byId.has(id)),
		};
	}
	const needle = settings.nameContains.trim().toLowerCase();
	return {
		cohorts: listing.filter(
			(cohort) =>
				(settings.includeArchived || cohort.archived !== true) && String(cohort.name ?? '').toLowerCase().includes(needle),
		),
		missingIds: [],
	};
}
