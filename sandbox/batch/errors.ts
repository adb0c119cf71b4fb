/**
 * Batch error answers. Handlers throw `BatchError`; `sendBatchError` writes it in the shape of the API family
 * that was called and in the body style the knob selects.
 *
 * Shapes chosen (the real format is unconfirmed, see the contract):
 * - Custom Audience API 1.x: `{"error_code": <number>, "error_message": "<NAME>: <message>"}`
 *   (numeric codes as in Batch's 1.x APIs: 10 AUTHENTICATION_INVALID, 12 API_MISUSE, 20 ROUTE_NOT_FOUND…).
 * - Audiences API 2.x: `{"error_code": "<NAME>", "error_message": "<message>"}`.
 * - Text style, both families: `text/plain` body `<NAME> (<code>): <message>`.
 */
import type http from 'node:http';

import { sendJson } from '../shared/server';
import type { FaultDecision } from '../shared/faults';
import type { SandboxRequest } from '../shared/server';

export type ApiFamily = 'custom-audience' | 'audiences';

export type ErrorBodyStyle = 'batch' | 'text';

export class BatchError extends Error {
	constructor(
		readonly status: number,
		readonly errorName: string,
		readonly numericCode: number,
		message: string,
	) {
		super(message);
	}
}

export const batchErrors = {
	authenticationInvalid: (message: string) => new BatchError(401, 'AUTHENTICATION_INVALID', 10, message),
	apiMisuse: (message: string) => new BatchError(403, 'API_MISUSE', 12, message),
	routeNotFound: (message: string) => new BatchError(404, 'ROUTE_NOT_FOUND', 20, message),
	/** No documented code: 404 like the missing resource it is, with the "not found" code of the 1.x family. */
	audienceNotFound: (name: string) => new BatchError(404, 'AUDIENCE_NOT_FOUND', 20, `Audience "${name}" does not exist`),
	missingParameter: (message: string) => new BatchError(400, 'MISSING_PARAMETER', 30, message),
	malformedParameter: (message: string) => new BatchError(400, 'MALFORMED_PARAMETER', 31, message),
	malformedJsonBody: (message: string) => new BatchError(400, 'MALFORMED_JSON_BODY', 32, message),
	serverError: (status: number, message: string) => new BatchError(status, 'SERVER_ERROR', 0, message),
};

export function sendBatchError(res: http.ServerResponse, family: ApiFamily, error: BatchError, style: ErrorBodyStyle): void {
	if (style === 'text') {
		const text = `${error.errorName} (${error.numericCode}): ${error.message}`;
		res.writeHead(error.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
		res.end(text);
		return;
	}
	const body =
		family === 'custom-audience'
			? { error_code: error.numericCode, error_message: `${error.errorName}: ${error.message}` }
			: { error_code: error.errorName, error_message: error.message };
	sendJson(res, error.status, body);
}

/**
 * Body of a 429 or 5xx produced by the shared fault knobs. The shared server gives no request to this
 * callback and always writes JSON, so one shape serves both families (string codes, as in 2.x).
 */
export function faultBody(decision: Exclude<FaultDecision, { kind: 'none' }>, req?: SandboxRequest): unknown {
	if (decision.kind === 'credential-echo') {
		// What an echoing gateway says: every key the request carried, headers as sent.
		const appKey = /^\/1\.\d\/([^/]+)\//.exec(req?.path ?? '')?.[1];
		const said = [
			`X-Authorization: ${String(req?.headers['x-authorization'] ?? '')}`,
			`app key: ${appKey ? decodeURIComponent(appKey) : ''}`,
			`Authorization: ${String(req?.headers.authorization ?? '')}`,
			`X-Batch-Project: ${String(req?.headers['x-batch-project'] ?? '')}`,
			`path: ${req?.url.pathname ?? ''}`,
		];
		return { error_code: 'AUTHENTICATION_INVALID', error_message: `Invalid credentials (${said.join(', ')})` };
	}
	if (decision.kind === 'rate-limit') {
		return { error_code: 'TOO_MANY_REQUESTS', error_message: 'Too many requests: wait a few seconds before retrying' };
	}
	if (decision.status === 503) {
		return { error_code: 'MAINTENANCE', error_message: "Batch's services are under maintenance. Please try again later" };
	}
	return { error_code: 'SERVER_ERROR', error_message: 'Unexpected error' };
}

/** The family a path belongs to, for answers given before any route ran (unknown routes). */
export function familyOfPath(path: string): ApiFamily {
	return /^\/2\.\d+\//.test(path) ? 'audiences' : 'custom-audience';
}
