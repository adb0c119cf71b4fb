/**
 * Streams an export file (direct from /file or from the S3 path): the stored bytes of the same file if
 * an earlier download made them (see stored-files.ts), else CSV generated row by row from the snapshot,
 * gzip per knob; written only as fast as the client reads, and optionally cut short by destroying the
 * socket to model a connection reset.
 */
import type http from 'node:http';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';

import type { AmplitudeKnobs } from './config';
import { csvStream } from './csv';
import type { ExportJob } from './export-jobs';
import { storedFileKey, type StoredFiles } from './stored-files';

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
	/** Where files are stored once generated (none: every download is generated). */
	files?: StoredFiles;
}

/** A stored file, sent in pieces the size the generated CSV comes in, only as fast as the client reads. */
const STORED_PIECE_BYTES = 64 * 1024;

function* pieces(bytes: Buffer): Generator<Buffer> {
	for (let start = 0; start < bytes.length; start += STORED_PIECE_BYTES) yield bytes.subarray(start, start + STORED_PIECE_BYTES);
}

function generatedBody(job: ExportJob, knobs: AmplitudeKnobs, files: StoredFiles | undefined): Readable {
	if (files) files.generated++;
	const csv = exportFile(job, knobs);
	if (knobs.gzip === 'none') return csv;
	// Level 1: this is dev tooling, and a 2,000,000-member export should not wait on compression.
	const gzip = csv.pipe(createGzip({ level: 1 }));
	gzip.once('close', () => csv.destroy());
	return gzip;
}

/** Generates the file of the cohort as it is now and stores it, so that the next exports download it as bytes. */
export async function storeExportFile(job: ExportJob, knobs: AmplitudeKnobs, files: StoredFiles): Promise<void> {
	const key = storedFileKey(job, exportedProperties(job), knobs.propertyHeaderStyle, knobs.gzip);
	if (key !== undefined && files.get(key) === undefined) files.store(key, await wholeBody(generatedBody(job, knobs, files)));
}

/** The fault this download gets, counted against its knob's "next N" budget. */
type DownloadFault =
	| { kind: 'reset'; afterBytes: number }
	| { kind: 'cut'; percent: number; atLineEnd: boolean }
	| { kind: 'stall'; percent: number }
	| { kind: 'none' };

function takeFault(knobs: AmplitudeKnobs): DownloadFault {
	if (knobs.resetNextDownloads > 0) {
		knobs.resetNextDownloads--;
		return { kind: 'reset', afterBytes: Math.max(1, knobs.resetAfterBytes) };
	}
	if (knobs.cutNextDownloads > 0) {
		knobs.cutNextDownloads--;
		return { kind: 'cut', percent: knobs.cutAtPercent, atLineEnd: knobs.cutAtLineEnd };
	}
	if (knobs.stallNextDownloads > 0) {
		knobs.stallNextDownloads--;
		return { kind: 'stall', percent: knobs.stallAtPercent };
	}
	return { kind: 'none' };
}

async function wholeBody(body: Readable): Promise<Buffer> {
	const parts: Buffer[] = [];
	for await (const chunk of body) parts.push(chunk as Buffer);
	return Buffer.concat(parts);
}

function bytesAtPercent(total: number, percent: number): number {
	return Math.max(0, Math.min(total, Math.round((total * Math.max(0, Math.min(100, percent))) / 100)));
}

export function sendDownload(res: http.ServerResponse, job: ExportJob, { knobs, contentType, extraHeaders = {}, files }: DownloadOptions): void {
	const gzipped = knobs.gzip !== 'none';
	const fault = takeFault(knobs);
	const headers: http.OutgoingHttpHeaders = {
		'content-type': contentType,
		...(knobs.gzip === 'header' ? { 'content-encoding': 'gzip' } : {}),
		'content-disposition': `attachment; filename="${job.cohortId}_${job.requestId}.csv${gzipped ? '.gz' : ''}"`,
		...extraHeaders,
	};
	// No Content-Length and no chunks: the body ends when the connection closes.
	if (knobs.downloadFraming === 'close') res.useChunkedEncodingByDefault = false;

	if (fault.kind === 'cut' && fault.atLineEnd) {
		void sendShortFile(res, exportFile(job, knobs), gzipped, headers, fault.percent, knobs.downloadFraming === 'content-length');
		return;
	}
	const key = files && storedFileKey(job, exportedProperties(job), knobs.propertyHeaderStyle, knobs.gzip);
	const stored = files?.get(key);
	const body: Readable = stored ? Readable.from(pieces(stored)) : generatedBody(job, knobs, files);
	// Kept while generating, to be stored once the whole file has gone out.
	const generated: Buffer[] | undefined = files && key !== undefined && !stored && fault.kind === 'none' ? [] : undefined;
	if (fault.kind === 'cut' || fault.kind === 'stall' || knobs.downloadFraming === 'content-length') {
		void sendMeasured(res, body, headers, fault, knobs.downloadFraming === 'content-length');
		return;
	}
	res.writeHead(200, headers);
	const cutAfter = fault.kind === 'reset' ? fault.afterBytes : undefined;

	let sent = 0;
	// Set once the body has ended or been cut: chunks already in flight must not be written after that.
	let finished = false;
	const stop = () => body.destroy();
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
		generated?.push(chunk);
		if (!res.write(chunk)) {
			body.pause();
			res.once('drain', () => body.resume());
		}
	});
	body.on('end', () => {
		if (finished) return;
		finished = true;
		if (generated) files!.store(key, Buffer.concat(generated));
		res.end();
	});
}

/**
 * The body made whole first, so a share of it can be sent: a cut one ends cleanly (its Content-Length, if
 * any, says the short length), a stalled one stops sending and keeps the connection open.
 */
async function sendMeasured(
	res: http.ServerResponse,
	body: Readable,
	headers: http.OutgoingHttpHeaders,
	fault: DownloadFault,
	withLength: boolean,
): Promise<void> {
	let bytes: Buffer;
	try {
		bytes = await wholeBody(body);
	} catch {
		res.destroy();
		return;
	}
	if (fault.kind === 'cut') bytes = bytes.subarray(0, bytesAtPercent(bytes.length, fault.percent));
	if (fault.kind === 'stall') {
		res.writeHead(200, headers);
		res.write(bytes.subarray(0, bytesAtPercent(bytes.length, fault.percent)));
		return; // nothing more, ever: the client must give up on its own
	}
	res.writeHead(200, withLength ? { ...headers, 'content-length': bytes.length } : headers);
	res.end(bytes);
}

/** A well-formed file holding only the rows before `percent`% of the CSV: nothing in its bytes says it is short. */
async function sendShortFile(
	res: http.ServerResponse,
	csv: Readable,
	gzipped: boolean,
	headers: http.OutgoingHttpHeaders,
	percent: number,
	withLength: boolean,
): Promise<void> {
	const text = await wholeBody(csv);
	const end = text.lastIndexOf(10, bytesAtPercent(text.length, percent) - 1) + 1;
	const bytes = gzipped ? gzipSync(text.subarray(0, end), { level: 1 }) : text.subarray(0, end);
	res.writeHead(200, withLength ? { ...headers, 'content-length': bytes.length } : headers);
	res.end(bytes);
}
