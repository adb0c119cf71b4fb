/** The Retry Time Budget: 429s retried by time, 5xx by count, growing waits, parallel waits counted once, cancellation. */
import {
	RetryBudget,
	RetryCancelledError,
	abortableSleep,
	describeGiveUp,
	giveUpOf,
	throttleDelay,
	withRetry,
	type RetryPolicy,
} from '../../nodes/shared/retry';

const http = (status: number, retryAfter?: string) =>
	Object.assign(new Error(`HTTP ${status}`), { response: { status, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } } });

const policy = (budget?: RetryBudget, extra: Partial<RetryPolicy> = {}): RetryPolicy => ({
	maxRetries: 2,
	baseDelayMs: 1,
	maxDelayMs: 50,
	budget,
	...extra,
});

/** An attempt that fails with the given errors in turn, then succeeds. */
function failing(errors: Error[]) {
	let calls = 0;
	const attempt = async () => {
		const error = errors[calls++];
		if (error) throw error;
		return 'ok';
	};
	return { attempt, calls: () => calls };
}

describe('throttle delay', () => {
	it('waits at least Retry-After, and grows as 429s persist even when Retry-After stays the same', () => {
		const big: RetryPolicy = { maxRetries: 8, baseDelayMs: 1000, maxDelayMs: 120_000 };
		const low = () => 0;
		const high = () => 1;
		expect(throttleDelay(0, big, 1000, low)).toBe(1000);
		expect(throttleDelay(0, big, 1000, high)).toBe(1100);
		const waits = Array.from({ length: 12 }, (_, n) => throttleDelay(n, big, 1000, high));
		for (let n = 1; n < waits.length; n++) expect(waits[n]).toBeGreaterThanOrEqual(waits[n - 1]);
		expect(waits[4]).toBe(4000);
		expect(waits[8]).toBe(16_000);
		// Capped, unless the server asks for longer.
		expect(throttleDelay(30, big, 1000, high)).toBe(20_000);
		expect(throttleDelay(30, big, 45_000, low)).toBe(45_000);
		// Without Retry-After: the jittered window alone.
		expect(throttleDelay(0, big, undefined, low)).toBe(500);
	});

	it('20 × 429 with Retry-After 1 fit in the default 300 s budget even at the top of the jitter', () => {
		const defaults: RetryPolicy = { maxRetries: 8, baseDelayMs: 1000, maxDelayMs: 120_000 };
		const total = Array.from({ length: 20 }, (_, n) => throttleDelay(n, defaults, 1000, () => 1)).reduce((a, b) => a + b, 0);
		expect(total).toBeLessThan(300_000);
	});
});

describe('withRetry with a Retry Time Budget', () => {
	it('retries 429s past Max Retries while the budget lasts, and counts them', async () => {
		const budget = new RetryBudget(10_000);
		const { attempt, calls } = failing(Array.from({ length: 6 }, () => http(429, '0.01')));
		await expect(withRetry(attempt, policy(budget))).resolves.toBe('ok');
		expect(calls()).toBe(7);
		expect(budget.figures()).toMatchObject({ retries: 6, throttled: 6 });
		expect(budget.throttledMs).toBeGreaterThanOrEqual(60);
	});

	it('without a budget, a 429 counts against Max Retries as before', async () => {
		const { attempt, calls } = failing(Array.from({ length: 6 }, () => http(429, '0')));
		await expect(withRetry(attempt, policy())).rejects.toThrow('HTTP 429: gave up after 2 retries');
		expect(calls()).toBe(3);
	});

	it('gives up when the budget is spent, saying the wait and the 429 count, on the error and in its figures', async () => {
		const budget = new RetryBudget(100);
		const { attempt, calls } = failing(Array.from({ length: 100 }, () => http(429, '0.03')));
		const error = (await withRetry(attempt, policy(budget)).catch((e: unknown) => e)) as Error;
		expect(calls()).toBeGreaterThanOrEqual(3);
		expect(error.message).toMatch(new RegExp(`^HTTP 429: gave up after waiting 0\\.1 s through ${calls()} × 429 \\(Retry Time Budget 0\\.1 s`));
		expect(giveUpOf(error)).toMatchObject({ reason: 'budget', throttled: calls(), retryTimeBudgetMs: 100 });
		expect(budget.throttledMs).toBeLessThanOrEqual(110);
	});

	it('gives up at once when the server asks for more than the budget has left', async () => {
		const budget = new RetryBudget(1000);
		const { attempt, calls } = failing([http(429, '3600')]);
		const error = (await withRetry(attempt, policy(budget)).catch((e: unknown) => e)) as Error;
		expect(calls()).toBe(1);
		expect(error.message).toContain('the server asked to wait 3600 s more');
	});

	it('5xx keep their count limit, and a 429 in between neither spends it nor resets the budget', async () => {
		const budget = new RetryBudget(10_000);
		const { attempt, calls } = failing([http(503), http(429, '0'), http(503), http(429, '0'), http(503), http(503)]);
		const error = (await withRetry(attempt, policy(budget)).catch((e: unknown) => e)) as Error;
		// Two 503s retried (Max Retries 2), the 429s between them on the budget: the third 503 ends it.
		expect(calls()).toBe(5);
		expect(error.message).toBe('HTTP 503: gave up after 4 retries');
		expect(budget.figures()).toMatchObject({ throttled: 2, retries: 4 });
	});

	it('counts parallel waits once: the budget is wall-clock time spent throttled', async () => {
		const budget = new RetryBudget(10_000);
		const started = Date.now();
		await Promise.all(
			[1, 2, 3, 4].map(() => {
				const { attempt } = failing([http(429, '0.1')]);
				return withRetry(attempt, policy(budget));
			}),
		);
		expect(budget.throttled).toBe(4);
		expect(budget.throttledMs).toBeGreaterThanOrEqual(100);
		expect(budget.throttledMs).toBeLessThanOrEqual(Date.now() - started);
		expect(budget.throttledMs).toBeLessThan(300);
	});

	it('a cancelled execution stops a wait at once and starts no new attempt', async () => {
		const controller = new AbortController();
		const { attempt, calls } = failing([http(429, '30'), http(429, '30')]);
		const started = Date.now();
		const run = withRetry(attempt, policy(new RetryBudget(60_000), { signal: controller.signal }));
		await new Promise((resolve) => setTimeout(resolve, 50));
		controller.abort();
		await expect(run).rejects.toBeInstanceOf(RetryCancelledError);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(calls()).toBe(1);
		// A 5xx backoff wait too.
		const again = new AbortController();
		again.abort();
		await expect(abortableSleep(10_000, again.signal)).rejects.toBeInstanceOf(RetryCancelledError);
	});

	it('describes a count give-up in words', () => {
		expect(describeGiveUp({ reason: 'count', callRetries: 1, retries: 1, throttled: 0, throttledMs: 0 })).toBe('gave up after 1 retry');
	});
});
