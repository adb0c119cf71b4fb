/**
 * Streams an export file (direct from /file or from the S3 path): CSV generated row by row from
 * the snapshot, gzip per knob, written only as fast as the client reads, and optionally cut short
 * by destroying the socket to model a connection reset.
 */
import type http from 'node:http';
import type { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';

import type { AmplitudeKnobs } from './config';
import { csvStream } from './csv';
import type { ExportJob } from './export-jobs';

/** Property names to export: the ones asked for (deduplicated, `gp:` tolerated) or all of them. */
export function exportedProperties(job: ExportJob): string[] {
	if (!job.props) return [];
	if (job.propKeys.length === 0) return job.snapshot.propertyNames;
	return Array.from(new Set(job.propKeys.map((key) => key.replace(/^gp:/, ''))));
}

export function exportFile(job: ExportJob, knobs: Pick<AmplitudeKnobs, 'propertyHeaderStyle'>): Readable {
	const properties = exportedProperties(job);
	const header = [
		'amplitude_id',
		'user_id',
		...properties.map((name) => (knobs.propertyHeaderStyle === 'gp-prefix' ? `gp:${name}` : name)),
	];
	const members = job.snapshot.members(properties.length > 0);
	const rows: Iterator<string[]> = {
		next() {
			const next = members.next();
			if (next.done) return { done: true, value: undefined };
			const member = next.value;
			return { done: false, value: [member.amplitude_id, member.user_id, ...properties.map((name) => member.properties[name] ?? '')] };
		},
	};
	return csvStream(header, rows);
}

export interface DownloadOptions {
	knobs: AmplitudeKnobs;
	contentType: string;
	extraHeaders?: http.OutgoingHttpHeaders;
}

export function sendDownload(res: http.ServerResponse, job: ExportJob, { knobs, contentType, extraHeaders = {} }: DownloadOptions): void {
	const gzipped = knobs.gzip !== 'none';
	let cutAfter: number | undefined;
	if (knobs.resetNextDownloads > 0) {
		knobs.resetNextDownloads--;
		cutAfter = Math.max(1, knobs.resetAfterBytes);
	}
	const csv = exportFile(job, knobs);
	// Level 1: this is dev tooling, and a 2,000,000-member export should not wait on compression.
	const body: Readable = gzipped ? csv.pipe(createGzip({ level: 1 })) : csv;
	res.writeHead(200, {
		'content-type': contentType,
		...(knobs.gzip === 'header' ? { 'content-encoding': 'gzip' } : {}),
		'content-disposition': `attachment; filename="${job.cohortId}_${job.requestId}.csv${gzipped ? '.gz' : ''}"`,
		...extraHeaders,
	});

	let sent = 0;
	// Set once the body has ended or been cut: chunks already in flight must not be written after that.
	let finished = false;
	const stop = () => {
		csv.destroy();
		body.destroy();
	};
	res.once('close', stop);
	body.on('error', () => res.destroy());
	body.on('data', (chunk: Buffer) => {
		if (finished) return;
		if (cutAfter !== undefined && sent + chunk.length >= cutAfter) {
			finished = true;
			stop();
			// Destroy only once the partial body has reached the socket, so the client sees it.
			res.write(chunk.subarray(0, cutAfter - sent), () => res.socket?.destroy());
			return;
		}
		sent += chunk.length;
		if (!res.write(chunk)) {
			body.pause();
			res.once('drain', () => body.resume());
		}
	});
	body.on('end', () => {
		if (finished) return;
		finished = true;
		res.end();
	});
}
