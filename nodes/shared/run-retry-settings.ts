/**
 * What one node run shares across all its calls: the Retry Time Budget (429 waits of every item, chunk
 * and audience draw on one budget) and the request timeout. Kept per execution context — n8n gives each
 * node run its own — so the transports find them without every call passing them along.
 */
import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { DEFAULT_RETRY_POLICY, DEFAULT_RETRY_TIME_BUDGET_MS, RetryBudget, type RetryPolicy } from './retry';

/** Longest time one non-download call may take before it counts as a network error (and is retried). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface RunRetrySettings {
	budget: RetryBudget;
	requestTimeoutMs: number;
}

const runs = new WeakMap<object, RunRetrySettings>();

/** The run's settings; the first read of the run fixes them (options read at a later item do not reset the budget). */
export function runRetrySettings(ctx: object, wanted: { budgetMs: number; requestTimeoutMs: number }): RunRetrySettings {
	let settings = runs.get(ctx);
	if (!settings) {
		settings = { budget: new RetryBudget(wanted.budgetMs), requestTimeoutMs: wanted.requestTimeoutMs };
		runs.set(ctx, settings);
	}
	return settings;
}

/** The request timeout the run chose, or the default (pickers, credential-less helpers). */
export function requestTimeoutOf(ctx: object): number {
	return runs.get(ctx)?.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
}

export interface RetryOptions {
	maxRetries?: unknown;
	retryBaseDelayMs?: unknown;
	retryTimeBudgetSeconds?: unknown;
	requestTimeoutSeconds?: unknown;
}

/**
 * The retry policy of a node run from its options: count limit and backoff for 5xx and network errors,
 * and the run's Retry Time Budget for 429s, with the execution's cancel signal so a stop ends a wait.
 */
export function runRetryPolicy(ctx: IExecuteFunctions, options: RetryOptions, itemIndex = 0): RetryPolicy {
	const seconds = (name: keyof RetryOptions, label: string, fallback: number, min: number, max: number) =>
		readSeconds(ctx, options[name], { label, fallback, min, max, itemIndex });
	const budgetMs = seconds('retryTimeBudgetSeconds', 'Retry Time Budget (Seconds)', DEFAULT_RETRY_TIME_BUDGET_MS / 1000, 0, 86_400) * 1000;
	const requestTimeoutMs = seconds('requestTimeoutSeconds', 'Request Timeout (Seconds)', DEFAULT_REQUEST_TIMEOUT_MS / 1000, 0.1, 3600) * 1000;
	const run = runRetrySettings(ctx, { budgetMs, requestTimeoutMs });
	return {
		maxRetries: clampInteger(options.maxRetries, DEFAULT_RETRY_POLICY.maxRetries, 0, 20),
		baseDelayMs: clampInteger(options.retryBaseDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs, 1, 600_000),
		maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs,
		budget: run.budget,
		signal: ctx.getExecutionCancelSignal?.(),
	};
}

function clampInteger(value: unknown, fallback: number, min: number, max: number): number {
	const number = typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : fallback;
	return Math.min(max, Math.max(min, number));
}

/** A number of seconds the user may set: left empty means the default; text, NaN or below the minimum is an error. */
function readSeconds(
	ctx: IExecuteFunctions,
	value: unknown,
	rule: { label: string; fallback: number; min: number; max: number; itemIndex: number },
): number {
	if (value === undefined || value === null || value === '') return rule.fallback;
	const number = typeof value === 'string' ? Number(value.trim()) : value;
	if (typeof number !== 'number' || !Number.isFinite(number) || number < rule.min) {
		throw new NodeOperationError(
			ctx.getNode(),
			`"${rule.label}" must be a number of seconds of at least ${rule.min}, not ${JSON.stringify(value)}`,
			{ itemIndex: rule.itemIndex },
		);
	}
	return Math.min(rule.max, number);
}
