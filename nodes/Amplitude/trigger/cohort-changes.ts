/**
 * Cohort Changed, as a pure function of `now`: which watched cohorts to emit, given what the previous
 * poll saw. A cohort is emitted when its lastComputed or size changed, when it was not watched before
 * (after the first poll), or when its last emission is older than "Emit At Least Every".
 */
import { epochToIso } from '../helpers/cohortFields';
import type { AmplitudeCohort } from '../transport/cohorts';

/** What a poll remembers of one cohort. */
export interface SeenCohort {
	lastComputed: string | null;
	size: number;
	/** ISO date of the last time this cohort was emitted (or first seen, when the first poll emitted nothing). */
	emittedAt: string;
}

export interface PollState {
	/** Set by the first production poll. */
	initialized: boolean;
	cohorts: Record<string, SeenCohort>;
}

export type ChangeReason = 'changed' | 'new' | 'maxAge' | 'firstPoll' | 'manual';

export interface CohortChange {
	cohortId: string;
	cohortName: string;
	size: number;
	previousSize: number | null;
	lastComputed: string | null;
	previousLastComputed: string | null;
	reason: ChangeReason;
}

export interface PollSettings {
	/** Manual test: emit every watched cohort's current state, change nothing. */
	manual: boolean;
	emitOnFirstPoll: boolean;
	/** 0: never emit an unchanged cohort. */
	emitAtLeastEveryHours: number;
}

export interface PollOutcome {
	changes: CohortChange[];
	/** The state to keep (the same object when nothing needs writing, as in a manual run). */
	state: PollState;
}

const HOUR_MS = 3600_000;

export function emptyPollState(): PollState {
	return { initialized: false, cohorts: {} };
}

/** Tolerates anything found in static data: a malformed state counts as none. */
export function readPollState(value: unknown): PollState {
	if (typeof value !== 'object' || value === null) return emptyPollState();
	const { initialized, cohorts } = value as Partial<PollState>;
	if (typeof cohorts !== 'object' || cohorts === null) return emptyPollState();
	const valid: Record<string, SeenCohort> = {};
	for (const [id, seen] of Object.entries(cohorts)) {
		if (seen && typeof seen.size === 'number' && typeof seen.emittedAt === 'string' && (seen.lastComputed === null || typeof seen.lastComputed === 'string')) {
			valid[id] = { lastComputed: seen.lastComputed, size: seen.size, emittedAt: seen.emittedAt };
		}
	}
	return { initialized: initialized === true, cohorts: valid };
}

export function detectChanges(watched: AmplitudeCohort[], previous: PollState, now: number, settings: PollSettings): PollOutcome {
	const nowIso = new Date(now).toISOString();
	const maxAgeMs = settings.emitAtLeastEveryHours > 0 ? settings.emitAtLeastEveryHours * HOUR_MS : Infinity;
	const changes: CohortChange[] = [];
	const next: Record<string, SeenCohort> = {};
	for (const cohort of watched) {
		const cohortId = String(cohort.id);
		const size = Number(cohort.size ?? 0) || 0;
		const lastComputed = epochToIso(cohort.lastComputed);
		const seen = previous.cohorts[cohortId];
		let reason: ChangeReason | undefined;
		if (settings.manual) reason = 'manual';
		else if (!previous.initialized) reason = settings.emitOnFirstPoll ? 'firstPoll' : undefined;
		else if (!seen) reason = 'new';
		else if (seen.lastComputed !== lastComputed || seen.size !== size) reason = 'changed';
		else if (now - Date.parse(seen.emittedAt) >= maxAgeMs) reason = 'maxAge';
		if (reason) {
			changes.push({
				cohortId,
				cohortName: String(cohort.name ?? ''),
				size,
				previousSize: seen ? seen.size : null,
				lastComputed,
				previousLastComputed: seen ? seen.lastComputed : null,
				reason,
			});
		}
		next[cohortId] = { lastComputed, size, emittedAt: reason || !seen ? nowIso : seen.emittedAt };
	}
	if (settings.manual) return { changes, state: previous };
	// Cohorts no longer watched are forgotten: watched again later, they count as new.
	return { changes, state: { initialized: true, cohorts: next } };
}
