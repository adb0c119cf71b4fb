/** Endpoints 2-4: start an export, poll it, download it (directly or through a redirect to S3). */
import { sendJson } from '../shared/server';
import type { AppHandler } from './auth';
import type { SandboxContext } from './context';
import { sendDownload } from './download';
import { sendError } from './errors';

export function startExport(context: SandboxContext): AppHandler {
	return (req, res, apiKey) => {
		const cohortId = req.params.id;
		const snapshot = context.cohorts.snapshot(cohortId);
		if (!snapshot) {
			sendError(res, context.knobs.unknownCohortStatus, `Cohort ${cohortId} not found or not accessible with this API key`);
			return;
		}
		const now = Date.now();
		const { exportRequestsPer10Minutes, parallelExportLimit, busyExports } = context.knobs;
		const verdict = context.exports.checkLimits(apiKey, now, exportRequestsPer10Minutes, parallelExportLimit, busyExports);
		if (!verdict.allowed) {
			sendError(res, 429, verdict.reason);
			return;
		}
		const job = context.exports.start({
			cohortId,
			apiKey,
			props: req.url.searchParams.get('props') === '1',
			propKeys: req.url.searchParams.getAll('propKeys'),
			query: req.url.search,
			startedAt: now,
			readyAt: now + context.knobs.exportDurationMs,
			snapshot,
		});
		sendJson(res, 202, { request_id: job.requestId, cohort_id: job.cohortId });
	};
}

export function exportStatus(context: SandboxContext): AppHandler {
	return (req, res, apiKey) => {
		const job = context.exports.get(req.params.requestId);
		if (!job || job.apiKey !== apiKey) {
			sendError(res, 404, `Request ${req.params.requestId} not found`);
			return;
		}
		const answer = { request_id: job.requestId, cohort_id: job.cohortId };
		if (!job.failedStatus && context.knobs.failNextExports > 0) {
			context.knobs.failNextExports--;
			job.failedStatus = context.knobs.failedExportStatus;
		}
		if (job.failedStatus) sendJson(res, 200, { ...answer, async_status: job.failedStatus });
		else if (Date.now() < job.readyAt) sendJson(res, 202, { ...answer, async_status: 'JOB INPROGRESS' });
		else sendJson(res, 200, { ...answer, async_status: 'JOB COMPLETED' });
	};
}

export function downloadExport(context: SandboxContext): AppHandler {
	return (req, res, apiKey) => {
		const job = context.exports.get(req.params.requestId);
		const now = Date.now();
		if (!job || job.apiKey !== apiKey) {
			sendError(res, 404, `Request ${req.params.requestId} not found`);
			return;
		}
		if (job.failedStatus) {
			sendError(res, 400, `Cohort export ${job.requestId} failed (${job.failedStatus}); request a new export`);
			return;
		}
		if (now < job.readyAt) {
			sendError(res, 400, `Cohort export ${job.requestId} is not ready yet (JOB INPROGRESS); poll its status until JOB COMPLETED`);
			return;
		}
		if (now > job.readyAt + context.knobs.fileUrlTtlMs) {
			sendError(res, 404, `Cohort export ${job.requestId} has expired; request a new export`);
			return;
		}
		if (job.snapshot.size <= context.knobs.directDownloadMaxMembers) {
			sendDownload(res, job, { knobs: context.knobs, contentType: 'text/csv; charset=utf-8', files: context.files });
			return;
		}
		const expired = context.knobs.expireNextS3Links > 0;
		if (expired) context.knobs.expireNextS3Links--;
		const location = context.s3.issue(context.knobs.redirectOrigin ?? context.baseUrl(), context.appId, job, context.knobs.s3LinkTtlMs, expired, context.knobs.gzip !== 'none');
		res.writeHead(302, { location, 'content-length': 0 });
		res.end();
	};
}
