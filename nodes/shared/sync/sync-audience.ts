/**
 * One audience sync, start to finish: look at the audience, create it if needed, choose what to send
 * (Sync changes checks its state against the audience first), send it, wait for indexing if asked,
 * remember what was sent, and report. Transport errors of the view/create steps propagate unchanged;
 * chunk failures are captured in the report, which the node turns into an error or a report item.
 */
import type { RetryPolicy } from '../retry';
import { CallCounter } from './call-counter';
import type { SyncEventListener } from './events';
import { executePlan, type ExecutionOutcome } from './execute-plan';
import { isIndexingDone, waitForIndexing } from './indexing';
import type { CollectedMembers } from './member-collector';
import { planSync, type SyncPlan } from './plan';
import { summarizeChunks, type SyncReport } from './report';
import { decodeState, encodeState } from './state-codec';
import type { AudienceStateStore } from './state-store';
import type { AudienceApi, AudienceView, SyncMode } from './types';

/** A request the engine refuses before writing anything (the node shows it as a parameter error). */
export class SyncInputError extends Error {}

export interface SyncOptions {
	mode: SyncMode;
	dryRun: boolean;
	createIfMissing: boolean;
	concurrency: number;
	retryPolicy: RetryPolicy;
	waitForIndexing: boolean;
	/** Longest wait for indexing, after the writes and before Sync changes compares counts. */
	maxIndexingWaitMs: number;
	/** First pause between indexing polls. */
	indexingPollMs?: number;
	/** Audience types the identifier type fits; an existing audience of another type is refused. */
	acceptedTypes?: string[];
	previewSize?: number;
}

export interface SyncResult {
	report: SyncReport;
	/** Set when a chunk failed for good: the transport's error for it. */
	error?: unknown;
}

interface ModeDecision {
	mode: SyncMode;
	fallbackReason: string | null;
	previousIds?: string[];
	view: AudienceView;
}

export async function syncAudience(
	api: AudienceApi,
	members: CollectedMembers,
	options: SyncOptions,
	store: AudienceStateStore | undefined,
	onEvent: SyncEventListener = () => {},
): Promise<SyncResult> {
	const started = new Date();
	const counter = new CallCounter(options.retryPolicy, onEvent);
	const notes: string[] = [];
	if (members.counts.empty > 0) {
		notes.push(`${members.counts.empty} members had an empty ID (anonymous users, for instance) and were skipped.`);
	}
	let view = await counter.call('View audience', async () => await api.view());
	checkType(api.audienceName, view, options.acceptedTypes);
	const nbIdsBefore = view.exists ? (view.nbIds ?? null) : null;

	const base = (): SyncReport => ({
		audience: api.audienceName,
		mode: options.mode,
		effectiveMode: options.mode,
		fallbackReason: null,
		dryRun: options.dryRun,
		success: true,
		audienceCreated: false,
		received: members.counts.received,
		unique: members.counts.unique,
		duplicates: members.counts.duplicates,
		invalid: members.counts.invalid,
		invalidBreakdown: {
			empty: members.counts.empty,
			nonString: members.counts.nonString,
			tooLong: members.counts.tooLong,
		},
		invalidSamples: members.invalidSamples,
		toAdd: 0,
		toRemove: 0,
		unchanged: 0,
		added: 0,
		removed: 0,
		requests: counter.requests,
		retries: counter.retries,
		chunks: { total: 0, applied: 0, failed: 0, notAttempted: 0 },
		chunkDetails: [],
		indexingTokens: [],
		indexingState: options.dryRun ? 'DRY_RUN' : 'NOTHING_SENT',
		nbIdsBefore,
		nbIdsAfter: null,
		stateSaved: false,
		unappliedIds: [],
		notes,
		startedAt: started.toISOString(),
		finishedAt: started.toISOString(),
		durationMs: 0,
	});
	const finish = (report: SyncReport): SyncReport => {
		const finished = new Date();
		report.requests = counter.requests;
		report.retries = counter.retries;
		report.finishedAt = finished.toISOString();
		report.durationMs = finished.getTime() - started.getTime();
		return report;
	};

	let audienceCreated = false;
	if (!view.exists) {
		if (options.mode === 'remove') {
			notes.push(`Audience "${api.audienceName}" does not exist: there is nothing to remove.`);
			return { report: finish({ ...base(), nbIdsAfter: null }) };
		}
		if (!options.createIfMissing) {
			throw new SyncInputError(`Audience "${api.audienceName}" does not exist, and "Create If Missing" is off`);
		}
		audienceCreated = true;
		if (options.dryRun) notes.push(`Audience "${api.audienceName}" does not exist: it would be created.`);
		else await counter.call('Create audience', async () => await api.create());
	}

	const decision = await decideMode(api, counter, options, store, view, onEvent);
	view = decision.view;
	if (decision.mode === 'replace' && members.ids.length === 0) {
		throw new SyncInputError(
			`No valid identifiers to fill audience "${api.audienceName}" with: Batch's replace needs at least one id ` +
				'(use the Delete operation to drop an audience)',
		);
	}
	const plan = planSync({
		mode: decision.mode,
		ids: members.ids,
		previousIds: decision.previousIds,
		maxIdsPerCall: api.maxIdsPerCall,
	});
	const planned: Partial<SyncReport> = {
		effectiveMode: decision.mode,
		fallbackReason: decision.fallbackReason,
		audienceCreated,
		toAdd: plan.toAdd,
		toRemove: plan.toRemove,
		unchanged: plan.unchanged,
	};

	if (options.dryRun) {
		const chunkDetails = plan.chunks.map((chunk) => ({
			index: chunk.index,
			action: chunk.action,
			size: chunk.ids.length,
			status: 'notAttempted' as const,
		}));
		return {
			report: finish({
				...base(),
				...planned,
				chunks: { total: plan.chunks.length, applied: 0, failed: 0, notAttempted: plan.chunks.length },
				chunkDetails,
				preview: preview(plan, options.previewSize ?? 20),
			}),
		};
	}

	const outcome = await executePlan(plan, api, counter, {
		concurrency: options.concurrency,
		extrasOf: (id) => members.extras.get(id),
		onEvent,
	});
	const sent: Partial<SyncReport> = {
		...planned,
		added: outcome.added,
		removed: outcome.removed,
		chunks: summarizeChunks(outcome.chunks),
		chunkDetails: outcome.chunks,
		indexingTokens: outcome.indexingTokens,
	};

	if (outcome.firstError !== undefined) {
		// What Batch holds now is uncertain: the next Sync changes run must start over with Replace.
		store?.clear();
		const failed = outcome.chunks.filter((chunk) => chunk.status === 'failed');
		return {
			report: finish({
				...base(),
				...sent,
				success: false,
				indexingState: outcome.indexingTokens.length > 0 ? 'NOT_WAITED' : 'NOTHING_SENT',
				unappliedIds: unappliedIds(plan, outcome),
				error: failed.map((chunk) => `chunk ${chunk.index}: ${chunk.error}`).join('; '),
			}),
			error: outcome.firstError,
		};
	}

	let indexingState = plan.chunks.length === 0 ? 'NOTHING_SENT' : 'NOT_WAITED';
	let nbIdsAfter: number | null = null;
	const lastToken = outcome.indexingTokens[outcome.indexingTokens.length - 1];
	if (options.waitForIndexing && plan.chunks.length > 0) {
		const waited = await waitForIndexing(
			api,
			counter,
			lastToken,
			{ maxWaitMs: options.maxIndexingWaitMs, firstPollMs: options.indexingPollMs },
			onEvent,
		);
		indexingState = waited.state;
		nbIdsAfter = waited.view.nbIds ?? null;
	}

	let stateSaved = false;
	if (options.mode === 'syncChanges') {
		if (plan.chunks.length > 0 || decision.mode !== 'syncChanges') {
			store?.save(await encodeState(members.ids));
		}
		stateSaved = store !== undefined;
	} else {
		// Add, Remove and Replace change the audience behind Sync changes' back: forget its state.
		store?.clear();
	}
	return { report: finish({ ...base(), ...sent, indexingState, nbIdsAfter, stateSaved }) };
}

async function decideMode(
	api: AudienceApi,
	counter: CallCounter,
	options: SyncOptions,
	store: AudienceStateStore | undefined,
	firstView: AudienceView,
	onEvent: SyncEventListener,
): Promise<ModeDecision> {
	const replace = (fallbackReason: string, view = firstView): ModeDecision => ({ mode: 'replace', fallbackReason, view });
	if (options.mode !== 'syncChanges') return { mode: options.mode, fallbackReason: null, view: firstView };
	if (!firstView.exists) return replace('The audience did not exist yet: it is filled with Replace.');
	const stored = store?.load();
	if (stored === undefined) {
		return replace(
			'No state from an earlier run (first run, or a manual execution: n8n keeps static data only for ' +
				'production executions): the audience is filled with Replace.',
		);
	}
	const decoded = await decodeState(stored);
	if (!decoded.ok) return replace(`The stored state is unusable (${decoded.reason}): the audience is filled with Replace.`);

	// nb_ids lags while Batch indexes: compare only once the audience is indexed.
	let view = firstView;
	if (!isIndexingDone(view.indexingState ?? 'APPLIED')) {
		view = (
			await waitForIndexing(
				api,
				counter,
				undefined,
				{ maxWaitMs: options.maxIndexingWaitMs, firstPollMs: options.indexingPollMs },
				onEvent,
				view,
			)
		).view;
		if (!isIndexingDone(view.indexingState ?? 'APPLIED')) {
			return replace('The audience was still being indexed, so its size could not be checked against the state.', view);
		}
	}
	if (view.nbIds !== undefined && view.nbIds !== decoded.ids.length) {
		return replace(
			`The audience holds ${view.nbIds} ids but the last sync left ${decoded.ids.length}: it changed outside this ` +
				'sync, so it is filled with Replace.',
			view,
		);
	}
	return { mode: 'syncChanges', fallbackReason: null, previousIds: decoded.ids, view };
}

function checkType(name: string, view: AudienceView, accepted: string[] | undefined): void {
	if (!view.exists || !accepted || !view.type) return;
	if (accepted.some((type) => type.toLowerCase() === String(view.type).toLowerCase())) return;
	throw new SyncInputError(
		`Audience "${name}" holds ids of type "${view.type}", which does not match the chosen identifier type (${accepted.join(' or ')})`,
	);
}

function preview(plan: SyncPlan, size: number): { add: string[]; remove: string[] } {
	const take = (keep: (action: string) => boolean) => {
		const ids: string[] = [];
		for (const chunk of plan.chunks) {
			if (!keep(chunk.action)) continue;
			for (const id of chunk.ids) {
				if (ids.length >= size) return ids;
				ids.push(id);
			}
		}
		return ids;
	};
	return { add: take((action) => action !== 'remove'), remove: take((action) => action === 'remove') };
}

function unappliedIds(plan: SyncPlan, outcome: ExecutionOutcome): string[] {
	const unapplied: string[] = [];
	outcome.chunks.forEach((chunk, position) => {
		if (chunk.status === 'applied') return;
		for (const id of plan.chunks[position].ids) unapplied.push(id);
	});
	return unapplied;
}
