/**
 * The one door both Batch APIs use to reach Batch: a single attempt through n8n's authenticated
 * HTTP helper, statuses read here (so 429/5xx can be retried with their Retry-After), and every failure
 * turned into a NodeApiError carrying Batch's own message, the HTTP code, and no key anywhere.
 */
import {
	NodeApiError,
	type ICredentialDataDecryptedObject,
	type ICredentialsDecrypted,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestMethods,
	type ILoadOptionsFunctions,
	type JsonObject,
} from 'n8n-workflow';

import { describeFailure } from '../../shared/retry';
import { requestTimeoutOf } from '../../shared/run-retry-settings';
import { scrubError, scrubText, scrubValue } from '../../shared/secrets';

export type RequestContext = IExecuteFunctions | ILoadOptionsFunctions;

/** A request body: an object, or JSON bytes already made by jsonBody (the member writes). */
export type RequestBody = IDataObject | Buffer;

export interface HttpCall {
	method: IHttpRequestMethods;
	url: string;
	qs?: IDataObject;
	body?: RequestBody;
}

export interface HttpAnswer {
	statusCode: number;
	body: unknown;
	headers: Record<string, unknown>;
}

/** What an adapter says of one call besides its route: what it does, and what it sends. */
export interface CallDetails {
	/** What the call does, for messages: "View audience vip". */
	what: string;
	qs?: IDataObject;
	body?: RequestBody;
	/** Error statuses the caller handles itself (e.g. 404 on view means "does not exist"). */
	acceptStatuses?: number[];
}

export interface CallGuard {
	credentialType: string;
	/** The credential as the adapter read it (see readCredential). */
	credential?: ICredentialsDecrypted;
	/** Keys to scrub from anything shown. */
	secrets: string[];
	/** What the call does, for messages: "View audience vip". */
	what: string;
	/** Error statuses the caller handles itself (e.g. 404 on view means "does not exist"). */
	acceptStatuses?: number[];
}

/**
 * Reads the node's credential once, for every call of the run: given with each call, it spares n8n's
 * helper from reading the credential from its database and decrypting it again for each one (a sync of
 * millions of ids makes hundreds of calls).
 */
export async function readCredential<T extends object>(ctx: RequestContext, type: string): Promise<{ data: T; credential: ICredentialsDecrypted }> {
	const data = await ctx.getCredentials<T>(type);
	const chosen = ctx.getNode().credentials?.[type];
	return { data, credential: { id: chosen?.id ?? '', name: chosen?.name ?? '', type, data: data as ICredentialDataDecryptedObject } };
}

export async function sendOnce(ctx: RequestContext, call: HttpCall, guard: CallGuard): Promise<HttpAnswer> {
	let answer: HttpAnswer;
	try {
		const request = {
			method: call.method,
			url: call.url,
			qs: call.qs,
			body: call.body === undefined || Buffer.isBuffer(call.body) ? call.body : jsonBody(call.body),
			json: true,
			headers: call.body ? { 'Content-Type': 'application/json' } : undefined,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			// Every call has a bounded time: a timed-out call is a network error, retried by count.
			timeout: requestTimeoutOf(ctx),
		};
		const given = guard.credential ? { credentialsDecrypted: guard.credential } : undefined;
		answer = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, guard.credentialType, request, given)) as HttpAnswer;
	} catch (error) {
		throw networkError(ctx, error, guard);
	}
	if (answer.statusCode >= 400 && !guard.acceptStatuses?.includes(answer.statusCode)) {
		throw apiError(ctx, answer, guard);
	}
	return answer;
}

/** The indexing token of a write's answer, when Batch gave one. */
export function indexingTokenOf(answer: HttpAnswer): { indexingToken?: string } {
	const token = (answer.body as IDataObject | undefined)?.indexing_token;
	return typeof token === 'string' ? { indexingToken: token } : {};
}

/** Ids per piece of a body's JSON: each piece is a small string, collected young. */
const IDS_PER_JSON_PIECE = 1000;

/**
 * The body as JSON bytes, made here rather than by the HTTP client: a chunk of 10,000 ids is then one
 * buffer while it is in flight, instead of its objects, its JSON text and the client's copy. Its `ids`
 * are written a piece at a time: the whole JSON as one string (hundreds of KB) would go straight to
 * V8's old generation and stay there, with the other chunks', until a full collection, which at
 * millions of ids raised the process's peak memory by hundreds of MB.
 *
 * The member writes call it before any wait, from functions that are not async: an async function's
 * frame would keep the body's objects alive during the network wait.
 */
export function jsonBody(body: IDataObject): Buffer {
	const { ids, ...rest } = body;
	if (!Array.isArray(ids) || ids.length <= IDS_PER_JSON_PIECE) return Buffer.from(JSON.stringify(body));
	const head = JSON.stringify(rest);
	const pieces = [`${head.slice(0, -1)}${head === '{}' ? '' : ','}"ids":[`];
	for (let start = 0; start < ids.length; start += IDS_PER_JSON_PIECE) {
		// The comma apart: joined to the piece, it would make a string that byteLength and write copy.
		if (start > 0) pieces.push(',');
		pieces.push(JSON.stringify(ids.slice(start, start + IDS_PER_JSON_PIECE)).slice(1, -1));
	}
	pieces.push(']}');
	let length = 0;
	for (const piece of pieces) length += Buffer.byteLength(piece);
	const bytes = Buffer.allocUnsafe(length);
	let offset = 0;
	for (const piece of pieces) offset += bytes.write(piece, offset);
	return bytes;
}

/** Batch's error body: `{error_code, error_message}` when it is JSON, else the raw text. */
function readErrorBody(body: unknown): { code?: string; message: string } {
	if (body && typeof body === 'object') {
		const fields = body as { error_code?: unknown; error_message?: unknown };
		if (fields.error_message !== undefined || fields.error_code !== undefined) {
			return {
				code: fields.error_code === undefined ? undefined : String(fields.error_code),
				message: String(fields.error_message ?? ''),
			};
		}
		return { message: JSON.stringify(body).slice(0, 500) };
	}
	const text = typeof body === 'string' ? body.trim() : '';
	return { message: text.slice(0, 500) };
}

function apiError(ctx: RequestContext, answer: HttpAnswer, guard: CallGuard): NodeApiError {
	const status = answer.statusCode;
	// Scrubbed before it is read and cut to 500 characters: a cut must not leave half a key.
	const { code, message } = readErrorBody(scrubValue(answer.body, guard.secrets));
	const said = [code, message].filter((part) => part).join(': ') || 'no details';
	let headline = `${guard.what} failed: Batch answered ${status} (${said})`;
	let description = `Batch's answer: ${said}`;
	if (status === 401) {
		headline = `Batch refused the credentials (401): ${said}`;
		description =
			'Check the REST API key (Batch dashboard, Settings → General; only managers see it) and the app or project key ' +
			'in the credential. The credential test lists audiences with the same keys.';
	} else if (status === 429) {
		description =
			'Batch is rate limiting these calls; the node waited and retried them as long as the Retry Time Budget allowed. ' +
			'Raise the budget, lower the Concurrency, or run at another time.';
	}
	const error = new NodeApiError(
		ctx.getNode(),
		{ httpCode: String(status), error_code: code ?? null, error_message: scrubText(message, guard.secrets) } as JsonObject,
		{ message: headline, description, httpCode: String(status) },
	);
	const retryAfter = answer.headers?.['retry-after'];
	if (typeof retryAfter === 'string') error.context.retryAfter = retryAfter;
	return scrubError(error, guard.secrets);
}

function networkError(ctx: RequestContext, raw: unknown, guard: CallGuard): NodeApiError {
	const failure = describeFailure(raw);
	let detail = scrubText(String((raw as Error)?.message ?? raw), guard.secrets);
	// n8n's client turns a timeout into a generic "connection was aborted": say which limit it hit.
	if (failure.code === 'ECONNABORTED' || failure.code === 'ETIMEDOUT') {
		detail = `no answer within the Request Timeout (${requestTimeoutOf(ctx) / 1000} s), or the connection was cut (${detail})`;
	}
	const error = new NodeApiError(
		ctx.getNode(),
		{ error_message: detail } as JsonObject,
		{
			message: `${guard.what} failed: Batch could not be reached`,
			description: `${failure.code ?? 'network error'}: ${detail}`,
		},
	);
	// Keep what the retry policy reads (the network error code, or a status if there was one).
	Object.assign(error, { code: failure.code });
	if (failure.status !== undefined) error.httpCode = String(failure.status);
	return scrubError(error, guard.secrets);
}
