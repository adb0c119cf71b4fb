/**
 * Retry with exponential backoff, full jitter and Retry-After, for every HTTP call the nodes make.
 * Retries 429, 500, 502, 503, 504 and network errors; never other 4xx (they will not get better).
 * 5xx and network errors are retried a number of times (maxRetries). 429s are retried as long as the
 * run's Retry Time Budget lasts: Batch and Amplitude throttle per time window, so time is the right limit.
 */
import { sleep } from 'n8n-workflow';

export interface RetryPolicy {
	/** Retries of 5xx and network errors after the first attempt (and of 429s when there is no budget). */
	maxRetries: number;
	/** First backoff, doubled at each retry. */
	baseDelayMs: number;
	/** Ceiling of one backoff, and of a Retry-After we accept to wait when there is no budget. */
	maxDelayMs: number;
	/** The run's time for 429 waits, shared by every call of the run; without it, 429s count as retries. */
	budget?: RetryBudget;
	/** The execution's cancel signal: a stopped execution stops a wait at once. */
	signal?: AbortSignal;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 8, baseDelayMs: 1000, maxDelayMs: 120_000 };

/** Default Retry Time Budget: five minutes of waiting out 429s per run. */
export const DEFAULT_RETRY_TIME_BUDGET_MS = 300_000;

/** Longest single wait after a 429 without a longer Retry-After: short enough to catch the end of a window. */
export const THROTTLE_MAX_DELAY_MS = 20_000;

/**
 * What a run spent on retries: 429s seen, time spent waiting them out (wall-clock: parallel waits of
 * several chunks count once), and retries of any kind. One per node run, shared by all its calls.
 */
export class RetryBudget {
	throttled = 0;

	retries = 0;

	private waitedMs = 0;

	private waiting = 0;

	private waitingSince = 0;

	constructor(
		readonly limitMs: number,
		private readonly now: () => number = Date.now,
	) {}

	/** Time spent waiting out 429s so far, a wait in progress included. */
	get throttledMs(): number {
		return this.waitedMs + (this.waiting > 0 ? this.now() - this.waitingSince : 0);
	}

	get remainingMs(): number {
		return Math.max(0, this.limitMs - this.throttledMs);
	}

	/** Figures for a report: retries, 429s and the time waited on them. */
	figures(): RetryFigures {
		return { retries: this.retries, throttled: this.throttled, throttledMs: Math.round(this.throttledMs) };
	}

	async throttledWait(ms: number, signal: AbortSignal | undefined): Promise<void> {
		if (this.waiting++ === 0) this.waitingSince = this.now();
		try {
			await abortableSleep(ms, signal);
		} finally {
			if (--this.waiting === 0) this.waitedMs += this.now() - this.waitingSince;
		}
	}
}

export interface RetryFigures {
	retries: number;
	throttled: number;
	throttledMs: number;
}

/** What a budget spent since `start` (a figures() taken earlier): one item's or one sync's share of a run. */
export function figuresSince(budget: RetryBudget | undefined, start: RetryFigures | undefined): RetryFigures {
	const now = budget?.figures() ?? { retries: 0, throttled: 0, throttledMs: 0 };
	const from = start ?? { retries: 0, throttled: 0, throttledMs: 0 };
	return {
		retries: now.retries - from.retries,
		throttled: now.throttled - from.throttled,
		throttledMs: now.throttledMs - from.throttledMs,
	};
}

/** Thrown when the execution is stopped during a retry wait. */
export class RetryCancelledError extends Error {
	constructor() {
		super('The execution was stopped while waiting to retry');
	}
}

/**
 * Waits `ms`, or less if the signal fires. `sleep` of n8n-workflow 2.x takes the signal itself; on 1.x it
 * ignores it, so the race against the signal's abort event is what stops the wait there.
 */
export async function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
	if (!signal) return await sleep(ms);
	if (signal.aborted) throw new RetryCancelledError();
	let onAbort = () => {};
	const aborted = new Promise<never>((_resolve, reject) => {
		onAbort = () => reject(new RetryCancelledError());
		signal.addEventListener('abort', onAbort, { once: true });
	});
	const sleepUntil = sleep as (ms: number, signal?: AbortSignal) => Promise<void>;
	try {
		await Promise.race([sleepUntil(ms, signal).catch(async () => await Promise.reject(new RetryCancelledError())), aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
}

export const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

const NETWORK_ERROR_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENOTFOUND',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'UND_ERR_SOCKET',
]);

/** What a failed attempt looked like, as far as retrying is concerned. */
export interface AttemptFailure {
	status?: number;
	/** Raw Retry-After header value, if the answer had one. */
	retryAfter?: string;
	/** Node.js error code of a network failure. */
	code?: string;
}

export function isRetryable(failure: AttemptFailure): boolean {
	if (failure.status !== undefined) return RETRYABLE_STATUSES.has(failure.status);
	return failure.code !== undefined && NETWORK_ERROR_CODES.has(failure.code);
}

/** Retry-After is either delta-seconds or an HTTP date; returns milliseconds, or undefined if unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
	if (value === undefined || value.trim() === '') return undefined;
	const trimmed = value.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
	const date = Date.parse(trimmed);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}

/**
 * Delay before retry number `retry` (0-based): Retry-After when the server gave one (capped),
 * otherwise full jitter over an exponentially growing window.
 */
export function backoffDelay(
	retry: number,
	policy: RetryPolicy,
	retryAfterMs?: number,
	random: () => number = Math.random,
): number {
	if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
	const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
	return Math.round(window / 2 + (random() * window) / 2);
}

/** Reads status, Retry-After and network error code from whatever n8n's HTTP helper threw. */
export function describeFailure(error: unknown): AttemptFailure {
	const e = error as {
		httpCode?: string | number;
		status?: number;
		statusCode?: number;
		code?: string;
		response?: { status?: number; headers?: Record<string, unknown> };
		cause?: unknown;
		context?: { retryAfter?: string };
	};
	const status = Number(e?.response?.status ?? e?.statusCode ?? e?.status ?? e?.httpCode) || undefined;
	const headers = e?.response?.headers ?? {};
	const retryAfterHeader = headers['retry-after'] ?? headers['Retry-After'];
	const failure: AttemptFailure = {
		status,
		retryAfter: typeof retryAfterHeader === 'string' ? retryAfterHeader : e?.context?.retryAfter,
		code: e?.code,
	};
	if (status === undefined && failure.code === undefined && e?.cause && e.cause !== error) {
		const inner = describeFailure(e.cause);
		return { ...inner, retryAfter: inner.retryAfter ?? failure.retryAfter };
	}
	return failure;
}

/**
 * Delay before a 429 retry, `consecutive` being how many 429s this call has had in a row before (0-based):
 * at least Retry-After (plus up to 10 % so parallel calls do not come back together), and, as throttling
 * persists, a jittered wait that doubles every two 429s from the base delay, up to THROTTLE_MAX_DELAY_MS.
 */
export function throttleDelay(
	consecutive: number,
	policy: RetryPolicy,
	retryAfterMs?: number,
	random: () => number = Math.random,
): number {
	const window = Math.min(THROTTLE_MAX_DELAY_MS, policy.baseDelayMs * 2 ** (consecutive / 2));
	const backoff = window / 2 + (random() * window) / 2;
	const floor = retryAfterMs === undefined ? 0 : retryAfterMs * (1 + random() / 10);
	return Math.round(Math.max(floor, backoff));
}

export interface RetryEvents {
	/** Called before each attempt, the first included (request counts). */
	onAttempt?: () => void;
	/** Called before each wait, so the node can log it and tell the person watching. */
	onRetry?: (info: { attempt: number; delayMs: number; failure: AttemptFailure; error: unknown }) => void;
}

/** Why a call stopped retrying, attached to its last error (`retryGiveUp`) and told in its message. */
export interface RetryGiveUp extends RetryFigures {
	reason: 'budget' | 'count';
	/** Retries of this call. */
	callRetries: number;
	retryTimeBudgetMs?: number;
	/** Set when the server asked for a wait longer than what was left of the budget. */
	retryAfterMs?: number;
}

function seconds(ms: number): string {
	const value = ms / 1000;
	return `${value >= 10 ? Math.round(value) : Number(value.toFixed(1))} s`;
}

/** The sentence added to the message of an error that ended its retries. */
export function describeGiveUp(giveUp: RetryGiveUp): string {
	if (giveUp.reason === 'count') return `gave up after ${giveUp.callRetries} ${giveUp.callRetries === 1 ? 'retry' : 'retries'}`;
	const budget = seconds(giveUp.retryTimeBudgetMs ?? 0);
	const asked =
		giveUp.retryAfterMs !== undefined ? `; the server asked to wait ${seconds(giveUp.retryAfterMs)} more` : '';
	return `gave up after waiting ${seconds(giveUp.throttledMs)} through ${giveUp.throttled} × 429 (Retry Time Budget ${budget}${asked})`;
}

/** The give-up details attached to an error by withRetry, if any. */
export function giveUpOf(error: unknown): RetryGiveUp | undefined {
	return (error as { retryGiveUp?: RetryGiveUp } | undefined)?.retryGiveUp;
}

/**
 * Puts the give-up details on an error: its message says them, its context (n8n errors) holds the
 * figures, so the saved execution and the Continue On Fail item show them. Safe to call twice.
 */
export function annotateGiveUp(error: unknown, giveUp: RetryGiveUp | undefined): void {
	if (!giveUp || !error || typeof error !== 'object') return;
	const target = error as { message?: unknown; context?: Record<string, unknown>; retryGiveUp?: RetryGiveUp };
	if (target.retryGiveUp === giveUp) return;
	Object.defineProperty(target, 'retryGiveUp', { value: giveUp, enumerable: false, configurable: true, writable: true });
	const worthSaying = giveUp.reason === 'budget' || giveUp.callRetries > 0;
	if (worthSaying && typeof target.message === 'string') {
		target.message = `${target.message.replace(/\.$/, '')}: ${describeGiveUp(giveUp)}`;
	}
	if (target.context && typeof target.context === 'object') {
		target.context.retries = giveUp.retries;
		target.context.throttled = giveUp.throttled;
		target.context.throttledMs = giveUp.throttledMs;
		if (giveUp.retryTimeBudgetMs !== undefined) target.context.retryTimeBudgetMs = giveUp.retryTimeBudgetMs;
	}
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error occurs, or the retries run out (5xx and network
 * errors: maxRetries; 429s: the run's time budget, or maxRetries when the policy has no budget). The last
 * error is then thrown, its message saying why the retries stopped, so the caller maps it to a NodeApiError.
 */
export async function withRetry<T>(
	attempt: (attemptNumber: number) => Promise<T>,
	policy: RetryPolicy = DEFAULT_RETRY_POLICY,
	events: RetryEvents = {},
): Promise<T> {
	const budget = policy.budget;
	let countedRetries = 0;
	let consecutive429 = 0;
	for (let retry = 0; ; retry++) {
		if (policy.signal?.aborted) throw new RetryCancelledError();
		events.onAttempt?.();
		const outcome = await attempt(retry).then(
			(value) => ({ ok: true as const, value }),
			(error: unknown) => ({ ok: false as const, error }),
		);
		if (outcome.ok) return outcome.value;
		const failure = describeFailure(outcome.error);
		if (!isRetryable(failure)) return await Promise.reject(outcome.error);
		const retryAfterMs = parseRetryAfter(failure.retryAfter);
		const giveUp = (reason: RetryGiveUp['reason'], extra: Partial<RetryGiveUp> = {}) => {
			annotateGiveUp(outcome.error, {
				reason,
				callRetries: retry,
				...(budget ? budget.figures() : { retries: retry, throttled: 0, throttledMs: 0 }),
				...(budget ? { retryTimeBudgetMs: budget.limitMs } : {}),
				...extra,
			});
			return Promise.reject(outcome.error);
		};

		let delayMs: number;
		const throttled = failure.status === 429 && budget !== undefined;
		if (throttled) {
			budget.throttled++;
			const remaining = budget.remainingMs;
			if (remaining <= 0) return await giveUp('budget');
			if (retryAfterMs !== undefined && retryAfterMs > remaining) return await giveUp('budget', { retryAfterMs });
			delayMs = Math.min(throttleDelay(consecutive429, policy, retryAfterMs), remaining);
			consecutive429++;
		} else {
			if (countedRetries >= policy.maxRetries) return await giveUp('count');
			countedRetries++;
			consecutive429 = 0;
			delayMs = backoffDelay(countedRetries - 1, policy, retryAfterMs);
		}
		if (budget) budget.retries++;
		events.onRetry?.({ attempt: retry + 1, delayMs, failure, error: outcome.error });
		if (throttled) await budget.throttledWait(delayMs, policy.signal);
		else await abortableSleep(delayMs, policy.signal);
	}
}
