/** Amplitude's two error shapes: a plain `{"error": "..."}` (read API) and a structured one (cohort writes). */
import type http from 'node:http';

import { sendJson } from '../shared/server';

export function sendError(res: http.ServerResponse, status: number, message: string, headers: http.OutgoingHttpHeaders = {}): void {
	sendJson(res, status, { error: message }, headers);
}

/**
 * Upload and membership errors: the contract gives `{message, code, metadata}`, Amplitude's upload
 * docs name `http_code` and `type`; both spellings are present so either reading works.
 */
export function sendStructuredError(
	res: http.ServerResponse,
	status: number,
	type: string,
	message: string,
	metadata: Record<string, unknown> = {},
): void {
	sendJson(res, status, { error: { code: status, http_code: status, type, message, metadata } });
}
