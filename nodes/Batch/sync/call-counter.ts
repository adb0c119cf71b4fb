/** Runs each API call with retries and counts requests, retries and 429 waits for the report. */
import { figuresSince, withRetry, type RetryFigures, type RetryPolicy } from '../../shared/retry';
import type { SyncEventListener } from './events';

export class CallCounter {
	requests = 0;

	retries = 0;

	/** The run's budget figures when this sync started: a node run may hold several syncs. */
	private readonly start: RetryFigures | undefined;

	constructor(
		private readonly policy: RetryPolicy,
		private readonly onEvent: SyncEventListener,
	) {
		this.start = policy.budget?.figures();
	}

	/** 429 answers this sync met (counted with a Retry Time Budget; 0 without one). */
	get throttled(): number {
		return figuresSince(this.policy.budget, this.start).throttled;
	}

	/** Time this sync spent waiting out 429s (parallel waits of its chunks counted once). */
	get throttledMs(): number {
		return figuresSince(this.policy.budget, this.start).throttledMs;
	}

	async call<T>(what: string, attempt: () => Promise<T>): Promise<T> {
		return await withRetry(
			async () => {
				this.requests++;
				return await attempt();
			},
			this.policy,
			{
				onRetry: ({ attempt: number, delayMs, failure }) => {
					this.retries++;
					this.onEvent({ type: 'retry', what, attempt: number, delayMs, status: failure.status, code: failure.code });
				},
			},
		);
	}
}
