/** Operation settings, read once: all input items feed one sync, so they come from the first item. */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import type { RetryPolicy } from '../retry';
import { runRetryPolicy } from '../run-retry-settings';
import type { SyncOptions } from '../sync/sync-audience';
import { SYNC_MODES, type SyncMode } from '../sync/types';

/** What the node's parameters decide of a sync; the engine's other options have defaults. */
export type SyncSettings = Pick<
	SyncOptions,
	'mode' | 'dryRun' | 'createIfMissing' | 'concurrency' | 'retryPolicy' | 'waitForIndexing' | 'maxIndexingWaitMs'
>;

/**
 * Retry settings of a run: the policy carries the run's Retry Time Budget (one per node run, shared by
 * every call, whichever item or audience reads it) and the execution's cancel signal.
 */
export function readRetryPolicy(options: IDataObject, ctx: IExecuteFunctions, itemIndex = 0): RetryPolicy {
	return runRetryPolicy(ctx, options, itemIndex);
}

export function readSyncSettings(ctx: IExecuteFunctions, operation: 'upsert' | 'removeMembers'): SyncSettings {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const mode = operation === 'upsert' ? (ctx.getNodeParameter('mode', 0) as SyncMode) : 'remove';
	if (!SYNC_MODES.includes(mode)) {
		throw new NodeOperationError(ctx.getNode(), `Unknown mode "${String(mode)}"`, { itemIndex: 0 });
	}
	return {
		mode,
		dryRun: options.dryRun === true,
		createIfMissing: operation === 'upsert' && options.createIfMissing !== false,
		concurrency: clampInteger(options.concurrency, 4, 1, 16),
		retryPolicy: readRetryPolicy(options, ctx),
		waitForIndexing: options.waitForIndexing === true,
		maxIndexingWaitMs: clampInteger(options.maxIndexingWaitSeconds, 60, 0, 3600) * 1000,
	};
}

function clampInteger(value: unknown, fallback: number, min: number, max: number): number {
	const number = typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : fallback;
	return Math.min(max, Math.max(min, number));
}
