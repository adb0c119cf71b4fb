/** Polls an audience until Batch has indexed a write (or the audience as a whole), within a time limit. */
import { abortableSleep, withRetry } from '../../shared/retry';
import type { CallCounter } from './call-counter';
import type { SyncEventListener } from './events';
import type { AudienceApi, AudienceView } from './types';

export interface IndexingWaitResult {
	state: string;
	view: AudienceView;
	waitedMs: number;
}

export interface IndexingWaitOptions {
	maxWaitMs: number;
	/** First pause between polls, doubled up to maxPollMs. */
	firstPollMs?: number;
	maxPollMs?: number;
	/** The execution's cancel signal: stopping the execution ends the wait at once. */
	signal?: AbortSignal;
}

/** Final states: APPLIED, or REPLACED (a later replace superseded the token: nothing left to wait for). */
export function isIndexingDone(state: string | undefined): boolean {
	return state === 'APPLIED' || state === 'REPLACED';
}

export async function waitForIndexing(
	api: AudienceApi,
	name: string,
	counter: CallCounter,
	token: string | undefined,
	options: IndexingWaitOptions,
	onEvent: SyncEventListener,
	firstView?: AudienceView,
): Promise<IndexingWaitResult> {
	const started = Date.now();
	let pause = options.firstPollMs ?? 250;
	const viewOnce = async () => await api.view(name, token);
	let view = firstView ?? (await withRetry(viewOnce, counter.policy, counter.track('View audience')));
	for (;;) {
		const waitedMs = Date.now() - started;
		const state = view.indexingState ?? 'APPLIED';
		if (isIndexingDone(state) || waitedMs >= options.maxWaitMs) return { state, view, waitedMs };
		onEvent({ type: 'indexingWait', state, waitedMs });
		await abortableSleep(Math.min(pause, Math.max(0, options.maxWaitMs - waitedMs)), options.signal);
		pause = Math.min(pause * 2, options.maxPollMs ?? 5000);
		view = await withRetry(viewOnce, counter.policy, counter.track('View audience'));
	}
}
