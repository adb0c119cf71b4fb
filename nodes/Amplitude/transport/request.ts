/**
 * The one door to Amplitude's REST API: builds URLs from the credential's data centre, authenticates
 * with the credential (HTTP Basic), retries 429/5xx with backoff and Retry-After, and hands back
 * status, headers and body so callers can read 202/302 themselves.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	IPollFunctions,
} from 'n8n-workflow';

import { DEFAULT_RETRY_POLICY, RETRYABLE_STATUSES, annotateGiveUp, giveUpOf, withRetry, type RetryPolicy } from '../../shared/retry';
import { requestTimeoutOf } from '../../shared/run-retry-settings';
import { scrubError } from '../../shared/secrets';
import { amplitudeBaseUrl, type AmplitudeHostSettings } from './baseUrl';
import { apiErrorFromAnswer, networkError } from './errors';

export type AmplitudeContext = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

export const CREDENTIAL_NAME = 'amplitudeCohortsApi';

export interface AmplitudeCredentials extends AmplitudeHostSettings {
	apiKey: string;
	secretKey: string;
}

/** Per-item settings every call carries. */
export interface CallSettings {
	itemIndex?: number;
	retryPolicy?: RetryPolicy;
	/** Told before each retry wait (progress messages, logs). */
	onRetry?: (message: string) => void;
}

export interface AmplitudeAnswer<T = unknown> {
	status: number;
	headers: Record<string, unknown>;
	body: T;
	/** The URL that was called (without credentials), for resolving a relative redirect. */
	url: string;
}

export interface AmplitudeCall {
	/** Path from the host root, e.g. `/api/3/cohorts`. */
	path: string;
	qs?: IDataObject;
	/** What we are doing, for error messages ("Listing cohorts"). */
	action: string;
	/** Body as a Node stream instead of parsed JSON (downloads). */
	stream?: boolean;
	/** For a stream call: how long the answer may take to start (n8n's client applies it until the headers only). */
	streamStartTimeoutMs?: number;
	/** Return 3xx answers instead of following them (the S3 link must not get our Authorization header). */
	noRedirect?: boolean;
	/** Statuses worth another attempt; default 429 and 5xx. Starting an export uses a narrower set. */
	retryStatuses?: ReadonlySet<number>;
	/** Whether a network failure may be retried (not when the request may have started a metered export). */
	retryNetworkErrors?: boolean;
	/** Statuses the caller handles itself (not turned into errors). */
	expectedStatuses: readonly number[];
}

export async function amplitudeCredentials(ctx: AmplitudeContext, itemIndex?: number): Promise<AmplitudeCredentials> {
	return (await ctx.getCredentials(CREDENTIAL_NAME, itemIndex)) as unknown as AmplitudeCredentials;
}

/** Secrets to keep out of anything shown. */
export function credentialSecrets(credentials: AmplitudeCredentials): string[] {
	return [credentials.apiKey, credentials.secretKey];
}

class RetryableAnswer extends Error {
	readonly response: { status: number; headers: Record<string, unknown> };

	constructor(readonly answer: AmplitudeAnswer) {
		super(`HTTP ${answer.status}`);
		this.response = { status: answer.status, headers: answer.headers };
	}
}

/** A network failure that must not be retried (it may have started a metered export); carries no code on purpose. */
class NotRetried extends Error {
	constructor(readonly original: unknown) {
		super('not retried');
	}
}

/** Reads (at most 64 KB of) an error body that came as a stream, so the error can quote it. */
export async function drainStreamBody(body: unknown): Promise<string> {
	if (!body || typeof body !== 'object' || !(Symbol.asyncIterator in body)) return typeof body === 'string' ? body : '';
	const decoder = new TextDecoder();
	let text = '';
	for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
		if (text.length < 65_536) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
	}
	return text;
}

export async function callAmplitude<T = unknown>(
	ctx: AmplitudeContext,
	call: AmplitudeCall,
	settings: CallSettings = {},
): Promise<AmplitudeAnswer<T>> {
	const node = ctx.getNode();
	const credentials = await amplitudeCredentials(ctx, settings.itemIndex);
	let url: string;
	try {
		url = `${amplitudeBaseUrl(credentials)}${call.path}`;
	} catch (error) {
		throw networkError(node, error, 'Reading the Amplitude credential', settings.itemIndex);
	}
	const retryStatuses = call.retryStatuses ?? RETRYABLE_STATUSES;
	const options: IHttpRequestOptions = {
		method: 'GET',
		url,
		qs: call.qs,
		// Amplitude wants repeated keys: propKeys=a&propKeys=b.
		arrayFormat: 'repeat',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		json: !call.stream,
		...(call.stream ? { encoding: 'stream' as const } : {}),
		...(call.noRedirect ? { disableFollowRedirect: true } : {}),
		// Every call has a bounded time (a timed-out call is a network error, retried by count). Downloads are
		// guarded by their own idle timeout instead: a whole cohort may take longer than any fixed limit.
		...(call.stream
			? call.streamStartTimeoutMs !== undefined
				? { timeout: call.streamStartTimeoutMs }
				: {}
			: { timeout: requestTimeoutOf(ctx) }),
	};

	const attempt = async (): Promise<AmplitudeAnswer<T>> => {
		let response: IN8nHttpFullResponse;
		try {
			response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_NAME, {
				...options,
				qs: options.qs ? { ...options.qs } : undefined,
			})) as IN8nHttpFullResponse;
		} catch (error) {
			if (call.retryNetworkErrors === false) return await Promise.reject(new NotRetried(error));
			return await Promise.reject(error);
		}
		const answer: AmplitudeAnswer<T> = {
			status: response.statusCode,
			headers: response.headers as Record<string, unknown>,
			body: response.body as T,
			url,
		};
		if (retryStatuses.has(answer.status)) {
			if (call.stream) answer.body = (await drainStreamBody(answer.body)) as T;
			throw new RetryableAnswer(answer);
		}
		return answer;
	};

	let answer: AmplitudeAnswer<T>;
	try {
		answer = await withRetry(attempt, settings.retryPolicy ?? DEFAULT_RETRY_POLICY, {
			onRetry: ({ attempt: retry, delayMs, failure }) =>
				settings.onRetry?.(
					`${call.action}: ${failure.status ? `HTTP ${failure.status}` : (failure.code ?? 'network error')}, ` +
						`retry ${retry} in ${(delayMs / 1000).toFixed(1)} s`,
				),
		});
	} catch (error) {
		// Whatever Amplitude (or a proxy) echoed, no key reaches the error: scrubbed in every field.
		const secrets = credentialSecrets(credentials);
		const nodeError =
			error instanceof RetryableAnswer
				? apiErrorFromAnswer(node, { ...error.answer, action: call.action, itemIndex: settings.itemIndex })
				: networkError(node, error instanceof NotRetried ? error.original : error, call.action, settings.itemIndex, options.timeout);
		annotateGiveUp(nodeError, giveUpOf(error));
		throw scrubError(nodeError, secrets);
	}

	if (!call.expectedStatuses.includes(answer.status)) {
		const body = call.stream ? await drainStreamBody(answer.body) : answer.body;
		throw scrubError(
			apiErrorFromAnswer(node, { status: answer.status, body, action: call.action, itemIndex: settings.itemIndex }),
			credentialSecrets(credentials),
		);
	}
	return answer;
}
