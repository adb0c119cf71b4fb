/** The run report: what the sync received, planned, sent and got back. One output item per sync. */
import type { ChunkOutcome } from './execute-plan';
import type { InvalidSample } from './member-collector';
import type { SyncMode } from './types';

export interface SyncReport {
	audience: string;
	mode: SyncMode;
	/** The mode actually run: Sync changes falls back to `replace` when its state cannot be trusted. */
	effectiveMode: SyncMode;
	fallbackReason: string | null;
	/** Which check sent Sync changes to Replace (see state-check.ts), null when it ran as asked. */
	fallbackCheck: string | null;
	dryRun: boolean;
	success: boolean;
	/** True when this run created the audience (in a dry run: would create it). */
	audienceCreated: boolean;
	/** Candidate ids read from the input, valid or not. */
	received: number;
	unique: number;
	duplicates: number;
	invalid: number;
	invalidBreakdown: { empty: number; nonString: number; tooLong: number };
	invalidSamples: InvalidSample[];
	/** Planned: ids the sync sends as added (replace included) and as removed. */
	toAdd: number;
	toRemove: number;
	/** Sync changes: ids already in the audience from the last run, not sent again. */
	unchanged: number;
	/** Applied: ids in chunks Batch accepted. */
	added: number;
	removed: number;
	requests: number;
	retries: number;
	/** 429 answers met, and the time spent waiting them out (ms; parallel waits counted once): see CallCounter. */
	throttled: number;
	throttledMs: number;
	chunks: { total: number; applied: number; failed: number; notAttempted: number };
	chunkDetails: ChunkOutcome[];
	indexingTokens: string[];
	/** APPLIED / IN_PROGRESS / REPLACED after waiting; NOT_WAITED; NOTHING_SENT; DRY_RUN. */
	indexingState: string;
	nbIdsBefore: number | null;
	nbIdsAfter: number | null;
	/** Sync changes: whether this run's ids were saved for the next run. */
	stateSaved: boolean;
	/** Ids of the chunks that failed or were not attempted: never silently dropped. */
	unappliedIds: string[];
	/** Dry run: the first ids that would be added and removed. */
	preview?: {
		add: string[];
		remove: string[];
		/** Members the run would remove (what Maximum Share Removed Per Run checks). */
		removeCount: number;
		/** True for a Replace of an audience whose members are unknown: at least removeCount. */
		removeCountIsLowerBound: boolean;
		/** removeCount over the audience's size before the run. */
		removeShare: number;
	};
	notes: string[];
	error?: string;
	startedAt: string;
	finishedAt: string;
	durationMs: number;
}

export function summarizeChunks(chunks: ChunkOutcome[]): SyncReport['chunks'] {
	const summary = { total: chunks.length, applied: 0, failed: 0, notAttempted: 0 };
	for (const chunk of chunks) summary[chunk.status]++;
	return summary;
}

/** One line per kind of chunk, e.g. "applied: 1-3 (30000 ids); failed: 4 (10000 ids); not attempted: 5-7 (25000 ids)". */
export function describeChunkOutcomes(chunks: ChunkOutcome[]): string {
	const parts: string[] = [];
	for (const [status, label] of [
		['applied', 'applied'],
		['failed', 'failed'],
		['notAttempted', 'not attempted'],
	] as const) {
		const matching = chunks.filter((chunk) => chunk.status === status);
		if (matching.length === 0) continue;
		const ids = matching.reduce((sum, chunk) => sum + chunk.size, 0);
		parts.push(`${label}: ${ranges(matching.map((chunk) => chunk.index))} (${ids} ids)`);
	}
	return parts.join('; ');
}

function ranges(indexes: number[]): string {
	const out: string[] = [];
	let start = indexes[0];
	let previous = indexes[0];
	for (const index of [...indexes.slice(1), Number.NaN]) {
		if (index === previous + 1) {
			previous = index;
			continue;
		}
		out.push(start === previous ? String(start) : `${start}-${previous}`);
		start = index;
		previous = index;
	}
	return out.join(', ');
}
