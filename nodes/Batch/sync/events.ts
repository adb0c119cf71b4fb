/** Progress of a sync, for the node to show a manual run and to log. */
import type { ChunkAction } from './types';

export type SyncEvent =
	| { type: 'chunkApplied'; chunkIndex: number; action: ChunkAction; size: number; done: number; total: number }
	| { type: 'chunkFailed'; chunkIndex: number; action: ChunkAction; size: number; message: string }
	| { type: 'retry'; what: string; attempt: number; delayMs: number; status?: number; code?: string }
	| { type: 'indexingWait'; state: string; waitedMs: number }
	| { type: 'info'; message: string };

export type SyncEventListener = (event: SyncEvent) => void;

export function describeEvent(event: SyncEvent): string {
	switch (event.type) {
		case 'chunkApplied':
			return `Chunk ${event.chunkIndex} (${event.action}, ${event.size} ids) applied: ${event.done}/${event.total} chunks sent`;
		case 'chunkFailed':
			return `Chunk ${event.chunkIndex} (${event.action}, ${event.size} ids) failed: ${event.message}`;
		case 'retry':
			return `${event.what}: ${event.status ?? event.code ?? 'error'}, retry ${event.attempt} in ${Math.round(event.delayMs)} ms`;
		case 'indexingWait':
			return `Indexing ${event.state} after ${Math.round(event.waitedMs / 1000)} s`;
		case 'info':
			return event.message;
	}
}
