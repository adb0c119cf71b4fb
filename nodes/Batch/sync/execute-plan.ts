/**
 * Sends a plan's chunks: phases in order, chunks of a phase through the concurrency pool, each call
 * retried with the CallCounter tracking it. After a chunk fails for good no new chunk starts (the API is likely
 * down or the data refused), and every chunk ends up accounted for as applied, failed or not attempted.
 */
import { withRetry } from '../../shared/retry';
import type { CallCounter } from './call-counter';
import type { SyncEventListener } from './events';
import type { PlannedChunk, SyncPlan } from './plan';
import type { AudienceApi, ChunkAction, MemberExtras, WriteResult } from './types';

export type ChunkStatus = 'applied' | 'failed' | 'notAttempted';

export interface ChunkOutcome {
	index: number;
	action: ChunkAction;
	size: number;
	status: ChunkStatus;
	indexingToken?: string;
	error?: string;
	httpCode?: string;
}

export interface ExecutionOutcome {
	chunks: ChunkOutcome[];
	/** Ids in applied add and replace chunks. */
	added: number;
	removed: number;
	/** In the order the answers arrived: the last one is the newest write. */
	indexingTokens: string[];
	/** The first error that made a chunk fail, as thrown by the transport. */
	firstError?: unknown;
}

export interface ExecuteOptions {
	concurrency: number;
	/** Absent when no id carries extras. */
	extrasOf?: (id: string) => MemberExtras | undefined;
	onEvent: SyncEventListener;
}

export async function executePlan(
	plan: SyncPlan,
	api: AudienceApi,
	name: string,
	counter: CallCounter,
	options: ExecuteOptions,
): Promise<ExecutionOutcome> {
	const outcomes = new Map<number, ChunkOutcome>();
	const outcome: ExecutionOutcome = { chunks: [], added: 0, removed: 0, indexingTokens: [] };
	const total = plan.chunks.length;
	let done = 0;
	const stopped = () => outcome.firstError !== undefined;

	const send = async (chunk: PlannedChunk) => {
		try {
			const write = async () => await writeChunk(api, name, chunk, options.extrasOf);
			const result = await withRetry(write, counter.policy, counter.track(`Chunk ${chunk.index}`));
			done++;
			if (chunk.action === 'remove') outcome.removed += chunk.ids.length;
			else outcome.added += chunk.ids.length;
			if (result.indexingToken) outcome.indexingTokens.push(result.indexingToken);
			outcomes.set(chunk.index, {
				...describe(chunk, 'applied'),
				...(result.indexingToken ? { indexingToken: result.indexingToken } : {}),
			});
			options.onEvent({ type: 'chunkApplied', chunkIndex: chunk.index, action: chunk.action, size: chunk.ids.length, done, total });
		} catch (error) {
			outcome.firstError ??= error;
			const shown = error as { message?: string; httpCode?: string | null };
			const message = shown?.message ?? String(error);
			outcomes.set(chunk.index, {
				...describe(chunk, 'failed'),
				error: message,
				...(shown?.httpCode ? { httpCode: String(shown.httpCode) } : {}),
			});
			options.onEvent({ type: 'chunkFailed', chunkIndex: chunk.index, action: chunk.action, size: chunk.ids.length, message });
		}
	};

	for (const phase of plan.phases) {
		if (stopped()) break;
		await runPool(phase, options.concurrency, send, stopped);
	}
	outcome.chunks = plan.chunks.map((chunk) => outcomes.get(chunk.index) ?? describe(chunk, 'notAttempted'));
	return outcome;
}

function describe(chunk: PlannedChunk, status: ChunkStatus): ChunkOutcome {
	return { index: chunk.index, action: chunk.action, size: chunk.ids.length, status };
}

/** The adapter makes the chunk's body only when it is sent, so at most `concurrency` bodies exist at once. */
function writeChunk(
	api: AudienceApi,
	name: string,
	chunk: PlannedChunk,
	extrasOf: ((id: string) => MemberExtras | undefined) | undefined,
): Promise<WriteResult> {
	const members = { ids: chunk.ids, extrasOf };
	return chunk.action === 'replace' ? api.replace(name, members) : api.update(name, chunk.action, members);
}

/** Runs `worker` over `items`, at most `concurrency` at a time, starting none once `shouldStop` says so. */
export async function runPool<T>(
	items: readonly T[],
	concurrency: number,
	worker: (item: T) => Promise<void>,
	shouldStop: () => boolean = () => false,
): Promise<void> {
	let next = 0;
	const lanes = Math.max(1, Math.min(Math.floor(concurrency) || 1, items.length));
	const lane = async () => {
		while (next < items.length && !shouldStop()) await worker(items[next++]);
	};
	await Promise.all(Array.from({ length: lanes }, lane));
}
