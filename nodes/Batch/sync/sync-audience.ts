/**
 * One audience sync, start to finish: look at the audience, create it if needed, choose what to send
 * (Sync changes checks its state against the audience first), send it, wait for indexing if asked,
 * remember what was sent and what the audience looked like after, and report. Transport errors of the
 * view/create steps propagate unchanged; chunk failures are captured in the report, which the node turns
 * into an error or a report item. Any error once writes may have started forgets the state.
 */
import { withRetry, type RetryPolicy } from '../../shared/retry';
import { CallCounter } from './call-counter';
import type { SyncEventListener } from './events';
import { executePlan, type ExecutionOutcome } from './execute-plan';
import { isIndexingDone, waitForIndexing } from './indexing';
import type { CollectedMembers } from './member-collector';
import { planSync, type PlannedChunk, type SyncPlan } from './plan';
import { diffIds } from './id-diff';
import type { PackedIds } from './packed-ids';
import { estimateRemovals, removalLimitBreach, type RemovalEstimate } from './removal-limit';
import { summarizeChunks, type SyncReport } from './report';
import { checkAudienceUnchanged, checkStateBookkeeping, distrust, type FallbackCheck, type TrustDecision } from './state-check';
import { decodeState, encodeState, readStateMeta, type AudienceSnapshot, type EncodedAudienceState, type StateMeta } from './state-codec';
import type { AudienceStateStore } from './state-store';
import type { AudienceApi, AudienceView, NewAudience, SyncMode } from './types';

/** A request the engine refuses before writing anything (the node shows it as a parameter error). */
export class SyncInputError extends Error {}

/** No valid id in the input: refused before any write, so a broken upstream cannot empty an audience. */
export class NoValidIdsError extends SyncInputError {}

/** How often a state in use is marked as used (marking rewrites the workflow's static data). */
const USED_AT_REFRESH_MS = 24 * 3_600_000;

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
	/** What a created audience gets. */
	newAudience?: NewAudience;
	previewSize?: number;
	/** Sync changes: Replace anyway when the last full Replace is older than this (hours; 0 or unset: never). */
	fullResyncEveryHours?: number;
	/** Refuse a run that would remove more than this percentage of the audience (unset: no limit). */
	maxRemovedSharePercent?: number;
	/** Appended to the error of an input without one valid id: where the node reads its ids from. */
	noValidIdsHint?: string;
	now?: () => Date;
}

export interface SyncResult {
	report: SyncReport;
	/** Set when a chunk failed for good: the transport's error for it. */
	error?: unknown;
	/** Dry run: every call the run would make, for the full preview (the report shows the first ids). */
	plannedChunks?: PlannedChunk[];
}

interface ModeDecision {
	mode: SyncMode;
	fallbackReason: string | null;
	fallbackCheck: FallbackCheck | null;
	/** The last run's ids, when its state was readable (also when another check sent the run to Replace). */
	previousIds?: PackedIds;
	previousMeta: StateMeta;
	/** The stored value as loaded, to mark it used without re-encoding it. */
	stored?: unknown;
	view: AudienceView;
}

export async function syncAudience(
	api: AudienceApi,
	name: string,
	members: CollectedMembers,
	options: SyncOptions,
	store: AudienceStateStore | undefined,
	onEvent: SyncEventListener = () => {},
): Promise<SyncResult> {
	const now = options.now ?? (() => new Date());
	const started = now();
	const counter = new CallCounter(options.retryPolicy, onEvent);
	const notes: string[] = [];
	if (members.counts.empty > 0) {
		notes.push(`${members.counts.empty} members had an empty ID (anonymous users, for instance) and were skipped.`);
	}
	let view = await withRetry(async () => await api.view(name), counter.policy, counter.track('View audience'));
	checkType(name, view, options.acceptedTypes);
	const nbIdsBefore = view.exists ? (view.nbIds ?? null) : null;
	if (members.ids.length === 0 && (options.mode === 'syncChanges' || options.mode === 'replace')) {
		const message = noValidIdsMessage(name, members, options.mode, nbIdsBefore);
		throw new NoValidIdsError(options.noValidIdsHint ? `${message} ${options.noValidIdsHint}` : message);
	}

	const base = (): SyncReport => ({
		audience: name,
		mode: options.mode,
		effectiveMode: options.mode,
		fallbackReason: null,
		fallbackCheck: null,
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
		throttled: counter.throttled,
		throttledMs: counter.throttledMs,
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
		const finished = now();
		report.requests = counter.requests;
		report.retries = counter.retries;
		report.throttled = counter.throttled;
		report.throttledMs = counter.throttledMs;
		report.finishedAt = finished.toISOString();
		report.durationMs = finished.getTime() - started.getTime();
		return report;
	};

	let audienceCreated = false;
	if (!view.exists) {
		if (options.mode === 'remove') {
			notes.push(`Audience "${name}" does not exist: there is nothing to remove.`);
			return { report: finish({ ...base(), nbIdsAfter: null }) };
		}
		if (!options.createIfMissing) {
			throw new SyncInputError(`Audience "${name}" does not exist, and "Create If Missing" is off`);
		}
		audienceCreated = true;
		if (options.dryRun) notes.push(`Audience "${name}" does not exist: it would be created.`);
	}

	const decision = await decideMode(api, name, counter, options, store, view, onEvent, now());
	view = decision.view;
	const plan = planSync({
		mode: decision.mode,
		ids: members.ids,
		previousIds: decision.mode === 'syncChanges' ? decision.previousIds : undefined,
		maxIdsPerCall: api.maxIdsPerCall,
	});
	const removals = removalsOf(plan, members, view, decision, options);
	const planned: Partial<SyncReport> = {
		effectiveMode: decision.mode,
		fallbackReason: decision.fallbackReason,
		fallbackCheck: decision.fallbackCheck,
		audienceCreated,
		toAdd: plan.toAdd,
		toRemove: plan.toRemove,
		unchanged: plan.unchanged,
	};
	const breach = removals && removalLimitBreach(name, removals, options.maxRemovedSharePercent);

	if (options.dryRun) {
		if (breach) notes.push(`A real run would fail: ${breach}`);
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
				preview: preview(plan, options.previewSize ?? 20, removals),
			}),
			plannedChunks: plan.chunks,
		};
	}
	if (breach) throw new SyncInputError(breach);

	let finished = false;
	try {
		if (audienceCreated) {
			const create = async () => await api.create(name, options.newAudience ?? {});
			await withRetry(create, counter.policy, counter.track('Create audience'));
		}
		const run: SyncRun = { api, name, members, options, store, onEvent, counter, now };
		const result = await writeAndRemember(run, plan, decision, { base, finish, planned, notes });
		finished = true;
		return result;
	} finally {
		// An error once writes may have reached Batch: the state no longer says what the audience holds.
		if (!finished) store?.clear();
	}
}

/** What every step of one sync works with. */
interface SyncRun {
	api: AudienceApi;
	name: string;
	members: CollectedMembers;
	options: SyncOptions;
	store: AudienceStateStore | undefined;
	onEvent: SyncEventListener;
	counter: CallCounter;
	now: () => Date;
}

interface ReportParts {
	base: () => SyncReport;
	finish: (report: SyncReport) => SyncReport;
	planned: Partial<SyncReport>;
	notes: string[];
}

/** Sends the plan, waits for indexing when asked (or when Sync changes must record the result), saves the state. */
async function writeAndRemember(
	{ api, name, members, options, store, onEvent, counter, now }: SyncRun,
	plan: SyncPlan,
	decision: ModeDecision,
	{ base, finish, planned, notes }: ReportParts,
): Promise<SyncResult> {
	const outcome = await executePlan(plan, api, name, counter, {
		concurrency: options.concurrency,
		// Most syncs carry no attributes or tags: then the bodies are copied from the ids' bytes.
		extrasOf: members.extras.size > 0 ? (id) => members.extras.get(id) : undefined,
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

	const wrote = plan.chunks.length > 0;
	const syncChanges = options.mode === 'syncChanges';
	let indexingState = wrote ? 'NOT_WAITED' : 'NOTHING_SENT';
	let nbIdsAfter: number | null = null;
	let after: AudienceView | undefined;
	// Sync changes records what the audience looks like once its writes are indexed: the next run compares.
	if (wrote && (options.waitForIndexing || syncChanges)) {
		const waited = await waitForIndexing(
			api,
			name,
			counter,
			outcome.indexingTokens[outcome.indexingTokens.length - 1],
			{ maxWaitMs: options.maxIndexingWaitMs, firstPollMs: options.indexingPollMs, signal: options.retryPolicy.signal },
			onEvent,
		);
		if (options.waitForIndexing) indexingState = waited.state;
		nbIdsAfter = waited.view.nbIds ?? null;
		after = isIndexingDone(waited.state) ? waited.view : undefined;
	}

	let stateSaved = false;
	if (syncChanges) {
		stateSaved = store !== undefined;
		if (wrote) {
			const snapshot = snapshotOf(after);
			if (snapshot.confirmed && snapshot.nbIds !== null && snapshot.nbIds !== members.ids.length) {
				notes.push(
					`Batch counts ${snapshot.nbIds} ids in the audience after this run, which sent ${members.ids.length}: ids Batch ` +
						'does not know (profile audiences only keep known users), or another writer at the same time.',
				);
			}
			if (!snapshot.confirmed) {
				notes.push('Batch had not finished indexing within Max Indexing Wait: the next run will fill the audience with Replace.');
			}
			const savedAt = now();
			store?.save(
				await encodeState(members.ids, savedAt, {
					audience: snapshot,
					fullSyncAt: decision.mode === 'replace' ? savedAt.toISOString() : decision.previousMeta.fullSyncAt,
					usedAt: savedAt.toISOString(),
				}),
			);
		} else {
			markUsed(store, decision, now());
		}
	} else {
		// Add, Remove and Replace change the audience behind Sync changes' back: forget its state.
		store?.clear();
	}
	return { report: finish({ ...base(), ...sent, indexingState, nbIdsAfter, stateSaved }) };
}

function snapshotOf(view: AudienceView | undefined): AudienceSnapshot {
	if (!view) return { nbIds: null, updated: null, confirmed: false };
	return { nbIds: view.nbIds ?? null, updated: view.updated ?? null, confirmed: true };
}

/** A state used without writes is left as it is, but marked used once a day so it is not pruned. */
function markUsed(store: AudienceStateStore | undefined, decision: ModeDecision, now: Date): void {
	const usedAt = decision.previousMeta.usedAt ? Date.parse(decision.previousMeta.usedAt) : Number.NaN;
	if (!store || decision.stored === undefined) return;
	if (!Number.isNaN(usedAt) && now.getTime() - usedAt < USED_AT_REFRESH_MS) return;
	store.save({ ...(decision.stored as EncodedAudienceState), usedAt: now.toISOString() });
}

/** Removals are estimated only when someone will look at them: the limit is set, or a dry run previews. */
function removalsOf(
	plan: SyncPlan,
	members: CollectedMembers,
	view: AudienceView,
	decision: ModeDecision,
	options: SyncOptions,
): RemovalEstimate | undefined {
	if (options.maxRemovedSharePercent === undefined && !options.dryRun) return undefined;
	const audienceSize = view.exists ? (view.nbIds ?? null) : 0;
	const kept =
		plan.mode === 'replace' && decision.previousIds ? diffIds(decision.previousIds, members.ids).unchanged : undefined;
	return estimateRemovals(plan, members.ids.length, audienceSize, decision.previousIds, kept);
}

function noValidIdsMessage(audience: string, members: CollectedMembers, mode: SyncMode, nbIds: number | null): string {
	const { received, empty, nonString, tooLong } = members.counts;
	const what = mode === 'syncChanges' ? 'Sync Changes would have removed every member' : 'Replace would have emptied it';
	return (
		`No valid identifier in the input for audience "${audience}": ${received} received (${empty} empty, ` +
		`${nonString} not text, ${tooLong} too long). Nothing was written: ${what}` +
		`${nbIds ? ` (${nbIds} ids)` : ''}. To empty an audience on purpose, use the Delete operation.`
	);
}

async function decideMode(
	api: AudienceApi,
	name: string,
	counter: CallCounter,
	options: SyncOptions,
	store: AudienceStateStore | undefined,
	firstView: AudienceView,
	onEvent: SyncEventListener,
	now: Date,
): Promise<ModeDecision> {
	const decided = (mode: SyncMode, trust: TrustDecision, view: AudienceView, state: Partial<ModeDecision> = {}): ModeDecision => ({
		mode,
		fallbackReason: trust.trusted ? null : trust.reason,
		fallbackCheck: trust.trusted ? null : trust.check,
		previousMeta: {},
		view,
		...state,
	});
	if (options.mode !== 'syncChanges') return decided(options.mode, { trusted: true }, firstView);
	const stored = store?.load();
	if (!firstView.exists) {
		return decided('replace', distrust('audienceMissing', 'The audience did not exist yet: it is filled with Replace.'), firstView);
	}
	if (stored === undefined) {
		// An audience with members but no state: often a queue-mode worker of n8n 2.x, which is not given the
		// workflow's static data (a sub-workflow is).
		const queueModeHint =
			(firstView.nbIds ?? 0) > 0
				? ' If every production run says this, n8n is not giving this node the workflow\'s static data: on n8n 2.x in ' +
					'queue mode, run the sync in a sub-workflow (see "Queue mode" in the README).'
				: '';
		return decided(
			'replace',
			distrust(
				'noState',
				'No state from an earlier run (first run, or a manual execution: n8n keeps static data only for ' +
					`production executions): the audience is filled with Replace.${queueModeHint}`,
			),
			firstView,
		);
	}
	const decoded = await decodeState(stored);
	if (!decoded.ok) {
		return decided(
			'replace',
			distrust('unreadableState', `The stored state is unusable (${decoded.reason}): the audience is filled with Replace.`),
			firstView,
		);
	}
	const meta = readStateMeta(stored);
	const state = { previousIds: decoded.ids, previousMeta: meta, stored };
	const bookkeeping = checkStateBookkeeping(meta, now, options.fullResyncEveryHours);
	if (!bookkeeping.trusted) return decided('replace', bookkeeping, firstView, state);

	// nb_ids and updated lag while Batch indexes: compare only once the audience is indexed.
	let view = firstView;
	if (!isIndexingDone(view.indexingState ?? 'APPLIED')) {
		view = (
			await waitForIndexing(
				api,
				name,
				counter,
				undefined,
				{ maxWaitMs: options.maxIndexingWaitMs, firstPollMs: options.indexingPollMs, signal: options.retryPolicy.signal },
				onEvent,
				view,
			)
		).view;
		if (!isIndexingDone(view.indexingState ?? 'APPLIED')) {
			const reason = 'The audience was still being indexed, so it could not be checked against the state: it is filled with Replace.';
			return decided('replace', distrust('stillIndexing', reason), view, state);
		}
	}
	const unchanged = checkAudienceUnchanged(meta.audience!, view);
	return decided(unchanged.trusted ? 'syncChanges' : 'replace', unchanged, view, state);
}

function checkType(name: string, view: AudienceView, accepted: string[] | undefined): void {
	if (!view.exists || !accepted || !view.type) return;
	if (accepted.some((type) => type.toLowerCase() === String(view.type).toLowerCase())) return;
	throw new SyncInputError(
		`Audience "${name}" holds ids of type "${view.type}", which does not match the chosen identifier type (${accepted.join(' or ')})`,
	);
}

function preview(plan: SyncPlan, size: number, removals: RemovalEstimate | undefined): NonNullable<SyncReport['preview']> {
	const take = (keep: (action: string) => boolean) => {
		const ids: string[] = [];
		for (const chunk of plan.chunks) {
			if (!keep(chunk.action)) continue;
			for (let index = 0; index < chunk.ids.length; index++) {
				if (ids.length >= size) return ids;
				ids.push(chunk.ids.get(index));
			}
		}
		return ids;
	};
	return {
		add: take((action) => action !== 'remove'),
		remove: take((action) => action === 'remove'),
		removeCount: removals?.count ?? plan.toRemove,
		removeCountIsLowerBound: removals?.atLeast ?? false,
		removeShare: removals ? Math.round(removals.share * 10000) / 10000 : 0,
	};
}

function unappliedIds(plan: SyncPlan, outcome: ExecutionOutcome): string[] {
	const unapplied: string[] = [];
	outcome.chunks.forEach((chunk, position) => {
		if (chunk.status === 'applied') return;
		const ids = plan.chunks[position].ids;
		for (let index = 0; index < ids.length; index++) unapplied.push(ids.get(index));
	});
	return unapplied;
}
