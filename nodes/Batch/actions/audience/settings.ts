/** Operation settings, read once: all input items feed one sync, so they come from the first item. */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import type { RetryPolicy } from '../../../shared/retry';
import { runRetryPolicy } from '../../../shared/run-retry-settings';
import type { SyncOptions } from '../../sync/sync-audience';
import { SYNC_MODES, type SyncMode } from '../../sync/types';

/** What the node's parameters decide of a sync; the engine's other options have defaults. */
export type SyncSettings = Pick<
	SyncOptions,
	| 'mode'
	| 'dryRun'
	| 'createIfMissing'
	| 'concurrency'
	| 'retryPolicy'
	| 'waitForIndexing'
	| 'maxIndexingWaitMs'
	| 'fullResyncEveryHours'
	| 'maxRemovedSharePercent'
>;

/**
 * Retry settings of a run: the policy carries the run's Retry Time Budget (one per node run, shared by
 * every call, whichever item or audience reads it) and the execution's cancel signal.
 */
export function readRetryPolicy(options: IDataObject, ctx: IExecuteFunctions, itemIndex = 0): RetryPolicy {
	return runRetryPolicy(ctx, options, itemIndex);
}

export function readSyncMode(ctx: IExecuteFunctions, operation: 'upsert' | 'removeMembers', itemIndex: number): SyncMode {
	const mode = operation === 'upsert' ? (ctx.getNodeParameter('mode', itemIndex) as SyncMode) : 'remove';
	if (!SYNC_MODES.includes(mode)) {
		throw new NodeOperationError(ctx.getNode(), `Unknown mode "${String(mode)}"`, { itemIndex });
	}
	return mode;
}

/** The settings of one sync, read at the first input item of its audience. */
export function readSyncSettings(ctx: IExecuteFunctions, operation: 'upsert' | 'removeMembers', itemIndex = 0): SyncSettings {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const mode = readSyncMode(ctx, operation, itemIndex);
	return {
		mode,
		dryRun: options.dryRun === true,
		createIfMissing: operation === 'upsert' && options.createIfMissing !== false,
		concurrency: clampInteger(options.concurrency, 4, 1, 16),
		retryPolicy: readRetryPolicy(options, ctx, itemIndex),
		waitForIndexing: options.waitForIndexing === true,
		maxIndexingWaitMs: clampInteger(options.maxIndexingWaitSeconds, 60, 0, 3600) * 1000,
		fullResyncEveryHours: clampInteger(options.fullResyncEveryHours, 168, 0, 24 * 366),
		maxRemovedSharePercent:
			options.maxRemovedSharePercent === undefined ? undefined : clampNumber(options.maxRemovedSharePercent, 0, 100, 'Maximum Share Removed Per Run', ctx, itemIndex),
	};
}

function clampInteger(value: unknown, fallback: number, min: number, max: number): number {
	const number = typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : fallback;
	return Math.min(max, Math.max(min, number));
}

/** A percentage the user set: a value that is not a number is an error, not a silent default. */
function clampNumber(value: unknown, min: number, max: number, option: string, ctx: IExecuteFunctions, itemIndex: number): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		throw new NodeOperationError(ctx.getNode(), `"${option}" must be a number between ${min} and ${max}, not ${JSON.stringify(value)}`, {
			itemIndex,
		});
	}
	return Math.min(max, Math.max(min, number));
}
