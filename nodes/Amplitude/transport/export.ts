/**
 * Endpoints 2–4: start a cohort export, poll it, download the file. Starting an export is metered
 * (500 a month), so it happens once per run and is never retried unless Amplitude says it did not start.
 */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type JsonObject,
} from 'n8n-workflow';

import { abortableSleep, describeFailure, isRetryable, withRetry } from '../../shared/retry';
import { amplitudeBaseUrl } from './baseUrl';
import { contentLengthOf, guardDownload, type GuardedDownload } from './download-guard';
import { apiErrorFromAnswer, messageFromBody, networkError } from './errors';
import { checkDownloadRedirect } from './redirect-policy';
import { amplitudeCredentials, callAmplitude, drainStreamBody, type CallSettings } from './request';

export type UserPropertiesMode = 'none' | 'all' | 'selected';

/** 429 and 503 mean "not started": safe to ask again. Other failures may have started an export. */
const START_RETRY_STATUSES = new Set([429, 503]);
const REDIRECTS = [301, 302, 303, 307, 308];
/** How many fresh S3 links we ask for when one has expired or S3 fails. */
const MAX_FRESH_LINKS = 3;

export async function startCohortExport(
	ctx: IExecuteFunctions,
	cohortId: string,
	properties: { mode: UserPropertiesMode; keys: string[] },
	settings: CallSettings,
): Promise<string> {
	const qs: IDataObject = {};
	if (properties.mode !== 'none') qs.props = 1;
	if (properties.mode === 'selected' && properties.keys.length > 0) qs.propKeys = properties.keys;
	const action = `Starting the export of cohort ${cohortId}`;
	const answer = await callAmplitude<{ request_id?: unknown; error?: unknown }>(
		ctx,
		{
			path: `/api/5/cohorts/request/${encodeURIComponent(cohortId)}`,
			qs,
			action,
			retryStatuses: START_RETRY_STATUSES,
			retryNetworkErrors: false,
			expectedStatuses: [200, 202, 400, 404],
		},
		settings,
	);
	if (answer.status === 400 || answer.status === 404) {
		throw new NodeApiError(ctx.getNode(), { message: messageFromBody(answer.body) ?? 'not found' } as JsonObject, {
			message: `Amplitude does not know cohort "${cohortId}" (HTTP ${answer.status})`,
			description: `${messageFromBody(answer.body) ?? ''} Check the cohort ID and that the credential's data centre matches the project.`.trim(),
			httpCode: String(answer.status),
			itemIndex: settings.itemIndex,
		});
	}
	const requestId = answer.body?.request_id;
	if (typeof requestId !== 'string' && typeof requestId !== 'number') {
		throw new NodeApiError(ctx.getNode(), { message: 'no request_id' } as JsonObject, {
			message: `${action} returned no request_id`,
			itemIndex: settings.itemIndex,
		});
	}
	return String(requestId);
}

type ExportState = 'running' | 'done';

interface ExportStatus {
	state: ExportState;
	/** The cohort the export belongs to, as Amplitude says (`cohort_id`), when it says. */
	cohortId?: string;
}

async function exportStatus(ctx: IExecuteFunctions, requestId: string, settings: CallSettings): Promise<ExportStatus> {
	const action = `Checking export ${requestId}`;
	const answer = await callAmplitude<{ async_status?: unknown; cohort_id?: unknown }>(
		ctx,
		{
			path: `/api/5/cohorts/request-status/${encodeURIComponent(requestId)}`,
			action,
			expectedStatuses: [200, 202, 400, 404],
		},
		settings,
	);
	const asyncStatus = String(answer.body?.async_status ?? '').trim().toUpperCase();
	const rawCohortId = answer.body?.cohort_id;
	const cohortId = typeof rawCohortId === 'string' || typeof rawCohortId === 'number' ? String(rawCohortId) : undefined;
	if (answer.status === 202 || (answer.status === 200 && asyncStatus === 'JOB INPROGRESS')) return { state: 'running', cohortId };
	if (answer.status === 200 && asyncStatus === 'JOB COMPLETED') return { state: 'done', cohortId };
	if (answer.status === 400 || answer.status === 404) {
		throw new NodeApiError(ctx.getNode(), { message: messageFromBody(answer.body) ?? 'not found' } as JsonObject, {
			message: `Amplitude does not know export request ${requestId} (HTTP ${answer.status})`,
			description: 'The request id may be mistyped, from another project or data centre, or older than seven days.',
			httpCode: String(answer.status),
			itemIndex: settings.itemIndex,
		});
	}
	throw new NodeApiError(ctx.getNode(), { message: asyncStatus || 'unknown status' } as JsonObject, {
		message: `Amplitude reports export ${requestId} as "${asyncStatus || 'no status'}"`,
		description: 'The export did not complete. Run the node again to start a new export.',
		itemIndex: settings.itemIndex,
	});
}

export interface WaitSettings {
	pollIntervalMs: number;
	maxWaitMs: number;
	/** Called after each poll that found the export still running. */
	onRunning?: (elapsedMs: number) => void;
	/** Called with each status answer's cohort id (a resumed export must belong to the chosen cohort). */
	onCohortId?: (cohortId: string | undefined) => void;
}

/** Polls until the export is done; past the maximum wait, fails with the request id to resume with. */
export async function waitForExport(
	ctx: IExecuteFunctions,
	requestId: string,
	wait: WaitSettings,
	settings: CallSettings,
): Promise<void> {
	const started = Date.now();
	for (;;) {
		const status = await exportStatus(ctx, requestId, settings);
		wait.onCohortId?.(status.cohortId);
		if (status.state === 'done') return;
		const elapsedMs = Date.now() - started;
		if (elapsedMs >= wait.maxWaitMs) {
			throw new NodeOperationError(
				ctx.getNode(),
				`The Amplitude export was not ready within ${formatSeconds(wait.maxWaitMs)} (request id ${requestId})`,
				{
					itemIndex: settings.itemIndex,
					description:
						`To keep waiting for this same export without starting a new one (exports are limited to 500 a month), ` +
						`put ${requestId} in the option "Resume Export Request ID" and run again, or raise "Maximum Wait".`,
				},
			);
		}
		wait.onRunning?.(elapsedMs);
		// A stop in the editor ends the pause at once (the export itself keeps running at Amplitude).
		await abortableSleep(Math.max(1, Math.min(wait.pollIntervalMs, wait.maxWaitMs - elapsedMs)), ctx.getExecutionCancelSignal?.()).catch(
			() => {
				throw new NodeOperationError(ctx.getNode(), `Cancelled while waiting for export ${requestId}`, { itemIndex: settings.itemIndex });
			},
		);
	}
}

export function formatSeconds(ms: number): string {
	const seconds = ms / 1000;
	return `${seconds >= 10 ? Math.round(seconds) : Number(seconds.toFixed(1))} s`;
}

function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	if (Array.isArray(value)) return value[0] as string;
	return typeof value === 'string' ? value : undefined;
}

/** A download body: a Node Readable from n8n's HTTP client, read here as bytes. */
export type DownloadBody = AsyncIterable<Uint8Array>;

export interface DownloadSettings {
	/** Give up a download when no byte has come for this long (then a fresh link is fetched). */
	idleTimeoutMs: number;
}

/** The S3 link may itself redirect (S3 sends 307 to another region's host): followed under the same policy. */
const MAX_S3_HOPS = 3;

/**
 * Endpoint 4. Small files come straight back; large ones redirect to a pre-signed S3 link that lives
 * one minute and must be fetched WITHOUT our Basic Authorization header (S3 rejects two auth schemes),
 * hence a plain httpRequest. An expired or refused link is replaced by asking /file again. A redirect is
 * followed only to https (or the custom base URL's own host), never to another scheme or a plain-http host.
 */
export async function openExportFile(
	ctx: IExecuteFunctions,
	requestId: string,
	settings: CallSettings,
	download: DownloadSettings,
): Promise<GuardedDownload> {
	const action = `Downloading export ${requestId}`;
	const credentials = await amplitudeCredentials(ctx, settings.itemIndex);
	const customBaseUrl = credentials.region === 'custom' ? amplitudeBaseUrl(credentials) : undefined;
	for (let link = 1; ; link++) {
		const direct = new AbortController();
		const answer = await callAmplitude(
			abortableContext(ctx, direct),
			{
				path: `/api/5/cohorts/request/${encodeURIComponent(requestId)}/file`,
				action,
				stream: true,
				streamStartTimeoutMs: download.idleTimeoutMs,
				noRedirect: true,
				expectedStatuses: [200, ...REDIRECTS],
			},
			settings,
		);
		if (answer.status === 200) {
			return guardDownload(answer.body as DownloadBody, {
				idleTimeoutMs: download.idleTimeoutMs,
				contentLength: contentLengthOf(answer.headers),
				abort: () => direct.abort(),
			});
		}

		await drainStreamBody(answer.body);
		let location = headerValue(answer.headers, 'location');
		let from = answer.url;
		let s3: Awaited<ReturnType<typeof fetchPresignedLink>> | { error: unknown } | undefined;
		for (let hop = 0; hop <= MAX_S3_HOPS; hop++) {
			if (!location) {
				throw apiErrorFromAnswer(ctx.getNode(), { status: answer.status, body: 'redirect without a Location', action, ...settings });
			}
			const verdict = checkDownloadRedirect(location, from, customBaseUrl);
			if (!verdict.allowed) {
				throw new NodeOperationError(ctx.getNode(), `Refused to follow the download link of export ${requestId}: ${verdict.reason}`, {
					itemIndex: settings.itemIndex,
					description:
						'Amplitude hands out pre-signed https links to Amazon S3. A link to another scheme or to a plain-http host ' +
						'is not followed: check the credential\'s data centre or custom base URL, and any proxy between n8n and Amplitude.',
				});
			}
			const controller = new AbortController();
			s3 = await fetchPresignedLink(ctx, verdict.url.toString(), controller, download.idleTimeoutMs).catch((error: unknown) => ({ error }));
			if (!('statusCode' in s3) || !REDIRECTS.includes(s3.statusCode)) {
				if ('statusCode' in s3 && s3.statusCode >= 200 && s3.statusCode < 300) {
					return guardDownload(s3.body as DownloadBody, {
						idleTimeoutMs: download.idleTimeoutMs,
						contentLength: contentLengthOf(s3.headers as Record<string, unknown>),
						abort: () => controller.abort(),
					});
				}
				break;
			}
			await drainStreamBody(s3.body);
			from = verdict.url.toString();
			location = headerValue(s3.headers as Record<string, unknown>, 'location');
		}
		if (!s3) throw new NodeOperationError(ctx.getNode(), `${action}: no download link`, { itemIndex: settings.itemIndex });

		const failure =
			'statusCode' in s3
				? { status: s3.statusCode, body: await drainStreamBody(s3.body) }
				: { status: undefined, body: undefined, error: s3.error };
		// Expired (S3 says 403 "Request has expired"), refused or failing: a fresh link may work.
		const worthAnotherLink =
			failure.status === undefined
				? isRetryable(describeFailure(failure.error))
				: failure.status === 400 || failure.status === 403 || isRetryable({ status: failure.status });
		if (worthAnotherLink && link < MAX_FRESH_LINKS) {
			settings.onRetry?.(
				`the download link answered ${failure.status ? `HTTP ${failure.status}` : 'with a network error'}` +
					`${failure.body ? ` (${messageFromBody(failure.body)})` : ''}; asking Amplitude for a fresh link`,
			);
			continue;
		}
		if (failure.status === undefined) throw networkError(ctx.getNode(), failure.error, `${action} from S3`, settings.itemIndex);
		throw apiErrorFromAnswer(ctx.getNode(), {
			status: failure.status,
			body: failure.body,
			action: `${action} from its S3 link`,
			itemIndex: settings.itemIndex,
		});
	}
}

/** Aborts `controller` when the execution is stopped. */
function followCancel(ctx: IExecuteFunctions, controller: AbortController): void {
	const cancel = ctx.getExecutionCancelSignal?.();
	if (!cancel) return;
	if (cancel.aborted) controller.abort();
	else cancel.addEventListener('abort', () => controller.abort(), { once: true });
}

/**
 * n8n's authenticated request takes its abort signal from the context's execution cancel signal, so a
 * given-up direct download is closed through a context whose cancel signal also fires for that
 * (and still fires when the execution is stopped). Without it the stalled connection would hold one of
 * Amplitude's 5 concurrent request slots until the server drops it.
 */
function abortableContext(ctx: IExecuteFunctions, controller: AbortController): IExecuteFunctions {
	followCancel(ctx, controller);
	return Object.create(ctx, { getExecutionCancelSignal: { value: () => controller.signal } }) as IExecuteFunctions;
}

/**
 * The S3 GET: no credential, redirects not followed here (the caller checks where they lead), a network
 * hiccup retried briefly (the link only lives a minute). The answer's headers must come within the idle
 * timeout (n8n's client applies `timeout` until then only); the signal lets the idle timeout close the
 * connection later, and stopping the execution aborts it too.
 */
async function fetchPresignedLink(ctx: IExecuteFunctions, url: string, controller: AbortController, timeoutMs: number) {
	followCancel(ctx, controller);
	return await withRetry(
		async () =>
			await ctx.helpers.httpRequest({
				method: 'GET',
				url,
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				disableFollowRedirect: true,
				abortSignal: controller.signal,
				timeout: timeoutMs,
			}),
		{ maxRetries: 2, baseDelayMs: 500, maxDelayMs: 5000 },
	);
}
