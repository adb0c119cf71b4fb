/**
 * Retry with exponential backoff, full jitter and Retry-After, for every HTTP call the nodes make.
 * Retries 429, 500, 502, 503, 504 and network errors; never other 4xx (they will not get better).
 */
import { sleep } from 'n8n-workflow';

export interface RetryPolicy {
	/** Retries after the first attempt (so maxRetries + 1 attempts in all). */
	maxRetries: number;
	/** First backoff, doubled at each retry. */
	baseDelayMs: number;
	/** Ceiling of one backoff, and of a Retry-After we accept to wait. */
	maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 8, baseDelayMs: 1000, maxDelayMs: 120_000 };

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

export interface RetryEvents {
	/** Called before each wait, so the node can log it and tell the person watching. */
	onRetry?: (info: { attempt: number; delayMs: number; failure: AttemptFailure; error: unknown }) => void;
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error occurs, or the retries run out; the last
 * error is then thrown unchanged, so the caller maps it to a NodeApiError with its own context.
 */
export async function withRetry<T>(
	attempt: (attemptNumber: number) => Promise<T>,
	policy: RetryPolicy = DEFAULT_RETRY_POLICY,
	events: RetryEvents = {},
): Promise<T> {
	for (let retry = 0; ; retry++) {
		const outcome = await attempt(retry).then(
			(value) => ({ ok: true as const, value }),
			(error: unknown) => ({ ok: false as const, error }),
		);
		if (outcome.ok) return outcome.value;
		const failure = describeFailure(outcome.error);
		if (retry >= policy.maxRetries || !isRetryable(failure)) return await Promise.reject(outcome.error);
		const delayMs = backoffDelay(retry, policy, parseRetryAfter(failure.retryAfter));
		events.onRetry?.({ attempt: retry + 1, delayMs, failure, error: outcome.error });
		await sleep(delayMs);
	}
}
