/**
 * Skip If Unchanged, as a pure function of `now`: the free listing's lastComputed and size against those
 * seen at this node's last complete export. An unchanged listing is a good hint, not a guarantee (Amplitude
 * may not recompute a cohort nobody views), hence the maximum age.
 */
import type { CohortExportRecord } from './export-records';

/** The cohort as the listing shows it now (lastComputed as an ISO date). */
export interface ListedCohortState {
	lastComputed: string | null;
	size: number;
}

export interface SkipDecision {
	skip: boolean;
	/** Why, in words for the execution's hints and the log. */
	reason: string;
}

const HOUR_MS = 3600_000;

/** "Export At Least Every" in hours: 24 when empty, null when not a number ≥ 0. */
export function maxAgeHoursOf(value: unknown): number | null {
	if (value === undefined || value === null || value === '') return 24;
	const hours = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
	return Number.isFinite(hours) && hours >= 0 ? hours : null;
}

function hours(ms: number): string {
	return `${(ms / HOUR_MS).toFixed(1)} h`;
}

export function decideSkip(
	record: CohortExportRecord | undefined,
	current: ListedCohortState,
	now: number,
	maxAgeHours: number,
): SkipDecision {
	if (!record) return { skip: false, reason: 'no complete export of this cohort recorded by this node yet' };
	if (current.lastComputed === null) return { skip: false, reason: 'the listing gives no lastComputed for this cohort' };
	if (record.lastComputed !== current.lastComputed) {
		return { skip: false, reason: `Amplitude recomputed the cohort (lastComputed ${record.lastComputed ?? 'none'} → ${current.lastComputed})` };
	}
	if (record.size !== current.size) {
		return { skip: false, reason: `the cohort's size changed (${record.size} → ${current.size})` };
	}
	const exportedAt = Date.parse(record.exportedAt);
	const age = now - exportedAt;
	const maxAgeMs = maxAgeHours * HOUR_MS;
	if (!Number.isFinite(exportedAt) || age >= maxAgeMs || age < 0) {
		return { skip: false, reason: `the last export (${record.exportedAt}) is ${hours(Math.max(0, age))} old, the maximum age is ${hours(maxAgeMs)}` };
	}
	return {
		skip: true,
		reason:
			`Skipped: cohort unchanged since this node's export of ${record.exportedAt} (lastComputed ${current.lastComputed}, ` +
			`${current.size} members), so no export was started and no items were output. ` +
			`An export is forced after ${new Date(exportedAt + maxAgeMs).toISOString()} ("Export At Least Every").`,
	};
}
