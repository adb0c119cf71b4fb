/** Runs each API call with retries and counts requests and retries for the report. */
import { withRetry, type RetryPolicy } from '../retry';
import type { SyncEventListener } from './events';

export class CallCounter {
	requests = 0;

	retries = 0;

	constructor(
		private readonly policy: RetryPolicy,
		private readonly onEvent: SyncEventListener,
	) {}

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
