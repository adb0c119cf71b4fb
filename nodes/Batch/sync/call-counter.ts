/** Counts the requests, retries and 429 waits of one sync's calls for the report: the hooks of their retries. */
import { figuresSince, type RetryEvents, type RetryFigures, type RetryPolicy } from '../../shared/retry';
import type { SyncEventListener } from './events';

export class CallCounter {
	requests = 0;

	retries = 0;

	/** The run's budget figures when this sync started: a node run may hold several syncs. */
	private readonly start: RetryFigures | undefined;

	constructor(
		readonly policy: RetryPolicy,
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

	/** The retry hooks of one call: `withRetry(attempt, counter.policy, counter.track('View audience'))`. */
	track(what: string): RetryEvents {
		return {
			onAttempt: () => this.requests++,
			onRetry: ({ attempt, delayMs, failure }) => {
				this.retries++;
				this.onEvent({ type: 'retry', what, attempt, delayMs, status: failure.status, code: failure.code });
			},
		};
	}
}
