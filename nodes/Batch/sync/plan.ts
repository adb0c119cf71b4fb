/**
 * Pure planning: which calls a sync makes, in which order. No HTTP here, so every mode is unit-tested.
 * Chunks of one phase may run concurrently; a phase starts only when the previous one is fully applied
 * (Replace must land before the adds that complete it, or it would wipe them).
 */
import { diffIds } from './id-diff';
import type { IdList } from './packed-ids';
import type { ChunkAction, SyncMode } from './types';

export interface PlannedChunk {
	/** 1-based, in sending order: what the report and error messages call "chunk N". */
	index: number;
	phase: number;
	action: ChunkAction;
	ids: IdList;
}

export interface SyncPlan {
	mode: SyncMode;
	chunks: PlannedChunk[];
	phases: PlannedChunk[][];
	/** Ids the plan adds (replace included). */
	toAdd: number;
	toRemove: number;
	/** Ids left as they were (Sync changes only). */
	unchanged: number;
}

export interface PlanInput {
	/** The mode actually run: for Sync changes without a usable state, the caller passes `replace`. */
	mode: SyncMode;
	/** Unique ids of this run. */
	ids: IdList;
	/** Unique ids the last run sent (Sync changes only). */
	previousIds?: IdList;
	maxIdsPerCall: number;
}

export function planSync(input: PlanInput): SyncPlan {
	const { mode, ids, maxIdsPerCall } = input;
	if (!Number.isInteger(maxIdsPerCall) || maxIdsPerCall < 1) throw new RangeError('maxIdsPerCall must be a positive integer');
	const builder = new ChunkBuilder(maxIdsPerCall);
	let unchanged = 0;
	switch (mode) {
		case 'add':
			builder.push(0, 'add', ids);
			break;
		case 'remove':
			builder.push(0, 'remove', ids);
			break;
		case 'replace':
			// Replace with the first chunk, then add the rest: not atomic beyond one chunk.
			builder.push(0, 'replace', ids.slice(0, maxIdsPerCall));
			builder.push(1, 'add', ids.slice(maxIdsPerCall, ids.length));
			break;
		case 'syncChanges': {
			if (!input.previousIds) throw new Error('Sync changes needs the ids of the last run');
			const diff = diffIds(input.previousIds, ids);
			unchanged = diff.unchanged;
			// Entered and left are disjoint: their order does not matter, so they share one phase.
			builder.push(0, 'add', diff.entered);
			builder.push(0, 'remove', diff.left);
			break;
		}
	}
	const chunks = builder.chunks;
	const phases: PlannedChunk[][] = [];
	for (const chunk of chunks) (phases[chunk.phase] ??= []).push(chunk);
	return {
		mode,
		chunks,
		phases: phases.filter((phase) => phase !== undefined),
		toAdd: count(chunks, (c) => c.action !== 'remove'),
		toRemove: count(chunks, (c) => c.action === 'remove'),
		unchanged,
	};
}

class ChunkBuilder {
	readonly chunks: PlannedChunk[] = [];

	constructor(private readonly size: number) {}

	/** Never produces an empty chunk: Batch may refuse an empty `ids` array. */
	push(phase: number, action: ChunkAction, ids: IdList): void {
		for (let start = 0; start < ids.length; start += this.size) {
			this.chunks.push({ index: this.chunks.length + 1, phase, action, ids: ids.slice(start, start + this.size) });
		}
	}
}

function count(chunks: PlannedChunk[], keep: (chunk: PlannedChunk) => boolean): number {
	let total = 0;
	for (const chunk of chunks) if (keep(chunk)) total += chunk.ids.length;
	return total;
}
