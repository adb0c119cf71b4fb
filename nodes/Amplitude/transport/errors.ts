/** Turns Amplitude's answers into errors people can act on. */
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { describeFailure } from '../../shared/retry';

export const CREDENTIALS_HINT =
	'Check API key/secret key and data centre: the keys are in Amplitude under Organization settings → Projects → ' +
	'your project, and a project hosted in the EU needs the "EU" data centre in the credential.';

/** The human part of an Amplitude error body: JSON `{error: {message}}`, `{error: "…"}`, `{message}` or text. */
export function messageFromBody(body: unknown): string | undefined {
	if (body === undefined || body === null) return undefined;
	if (typeof body === 'string') {
		const text = body.trim();
		if (text === '') return undefined;
		try {
			return messageFromBody(JSON.parse(text)) ?? text.slice(0, 500);
		} catch {
			const s3Message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
			return s3Message ?? text.slice(0, 500);
		}
	}
	if (typeof body === 'object') {
		const object = body as { error?: unknown; message?: unknown; detail?: unknown };
		if (typeof object.error === 'string') return object.error;
		if (object.error && typeof object.error === 'object') return messageFromBody(object.error);
		if (typeof object.message === 'string') return object.message;
		if (typeof object.detail === 'string') return object.detail;
	}
	return undefined;
}

export interface FailedAnswer {
	status: number;
	body: unknown;
	/** What we were doing, e.g. "Listing cohorts". */
	action: string;
	itemIndex?: number;
}

/** A NodeApiError for a non-success answer, with wording for the statuses people meet. */
export function apiErrorFromAnswer(node: INode, answer: FailedAnswer): NodeApiError {
	const apiMessage = messageFromBody(answer.body);
	const status = answer.status;
	let message = `${answer.action} failed (HTTP ${status})${apiMessage ? `: ${apiMessage}` : ''}`;
	let description: string | undefined = apiMessage;
	if (status === 401 || status === 403) {
		message = `Amplitude rejected the credentials (HTTP ${status}): check API key/secret key and data centre`;
		description = `${apiMessage ? `Amplitude said: ${apiMessage}. ` : ''}${CREDENTIALS_HINT}`;
	} else if (status === 429) {
		message = `Amplitude kept answering 429 Too Many Requests${apiMessage ? ` (${apiMessage})` : ''}`;
		description =
			'Amplitude allows 5 concurrent requests per project (shared with dashboards) and limits cohort exports. ' +
			'Wait a few minutes, or run fewer Amplitude nodes at the same time.';
	}
	return new NodeApiError(node, { message: apiMessage ?? message, status } as JsonObject, {
		message,
		description,
		httpCode: String(status),
		itemIndex: answer.itemIndex,
	});
}

/**
 * A failure without a usable answer (network, time-out, bad settings), as a NodeApiError that says what we
 * were doing. `timeoutMs`: the request timeout of the call, named when the failure looks like one.
 */
export function networkError(node: INode, error: unknown, action: string, itemIndex?: number, timeoutMs?: number): NodeApiError {
	const failure = describeFailure(error);
	const reason = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
	const timedOut = timeoutMs !== undefined && (failure.code === 'ECONNABORTED' || failure.code === 'ETIMEDOUT');
	const description = [
		failure.code ? `Network error code: ${failure.code}` : '',
		// n8n's client turns a timeout into a generic "connection was aborted": say which limit it hit.
		timedOut ? `No answer within the Request Timeout (${timeoutMs / 1000} s), or the connection was cut.` : '',
	]
		.filter((part) => part)
		.join('. ');
	const apiError = new NodeApiError(node, { message: reason } as JsonObject, {
		message: `${action} failed: ${reason}`,
		description: description || undefined,
		itemIndex,
	});
	// n8n swaps a message that names a network code for a generic text without our action: put ours back.
	apiError.message = `${action} failed: ${reason}`;
	return apiError;
}

/** Keeps our own NodeApiError/NodeOperationError, wraps anything else with the item it belongs to. */
export function asNodeError(node: INode, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if ((error.context as { itemIndex?: number }).itemIndex === undefined) error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}
