/** Every route of the contract, plus the S3 stand-in, on one router. */
import type http from 'node:http';

import { Router, sendJson, type SandboxRequest } from '../shared/server';
import { requireApp } from './auth';
import { cohortJson } from './cohort-listing';
import type { SandboxContext } from './context';
import { sendDownload } from './download';
import { sendError } from './errors';
import { downloadExport, exportStatus, startExport } from './export-routes';
import { updateMembership } from './membership';
import { s3ErrorXml } from './s3';
import { uploadCohort } from './upload';

function sendXml(res: http.ServerResponse, status: number, xml: string): void {
	res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml), server: 'AmazonS3' });
	res.end(xml);
}

function s3Object(context: SandboxContext) {
	return (req: SandboxRequest, res: http.ServerResponse) => {
		const check = context.s3.check(req.path, req.url.searchParams, req.headers.authorization);
		if (!check.ok) return sendXml(res, check.status, check.xml);
		const job = context.exports.get(check.requestId);
		if (!job) return sendXml(res, 404, s3ErrorXml('NoSuchKey', 'The specified key does not exist.'));
		sendDownload(res, job, {
			knobs: context.knobs,
			files: context.files,
			contentType: 'binary/octet-stream',
			extraHeaders: { server: 'AmazonS3', etag: `"${job.requestId}"`, 'x-amz-request-id': job.requestId.toUpperCase() },
		});
	};
}

export function amplitudeRouter(context: SandboxContext): Router {
	const app = (handler: Parameters<typeof requireApp>[1]) => requireApp(context, handler);
	return new Router()
		.add(
			'GET',
			'/api/3/cohorts',
			app((req, res) => {
				const includeSyncInfo = req.url.searchParams.get('includeSyncInfo') === 'true';
				const cohorts = context.cohorts.all().map((cohort) => cohortJson(cohort, context.appId, context.knobs, includeSyncInfo));
				sendJson(res, 200, { cohorts });
			}),
		)
		.add('GET', '/api/5/cohorts/request/:id', app(startExport(context)))
		.add('GET', '/api/5/cohorts/request-status/:requestId', app(exportStatus(context)))
		.add('GET', '/api/5/cohorts/request/:requestId/file', app(downloadExport(context)))
		.add('POST', '/api/3/cohorts/upload', app(uploadCohort(context)))
		.add('POST', '/api/3/cohorts/membership', app(updateMembership(context)))
		.add('GET', '/s3/:key*', s3Object(context));
}

export function notFound(req: SandboxRequest, res: http.ServerResponse): void {
	if (req.path.startsWith('/s3/')) {
		if (req.method !== 'GET') sendXml(res, 405, s3ErrorXml('MethodNotAllowed', 'The specified method is not allowed against this resource.'));
		else sendXml(res, 404, s3ErrorXml('NoSuchKey', 'The specified key does not exist.'));
		return;
	}
	sendError(res, 404, 'Not found');
}
