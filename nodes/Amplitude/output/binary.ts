/**
 * Format `binary`: the members as a CSV file (`amplitude_id,user_id[,properties]`, clean names,
 * decompressed), produced chunk by chunk while the download is read.
 */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { formatCsvLine } from '../../shared/csv';
import type { MemberRows, MemberColumns } from '../helpers/members';
import type { MemberCounts } from './counts';

type NodeReadable = Exclude<Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0], Buffer>;

type ReadableFactory = (source: AsyncIterable<Buffer>, options?: { objectMode: boolean }) => NodeReadable;

function headerLine(columns: MemberColumns | undefined): string {
	return formatCsvLine(['amplitude_id', 'user_id', ...(columns?.properties.map((property) => property.name) ?? [])]);
}

/**
 * Bytes gathered before they are handed on as one chunk: n8n writes each chunk to its binary data store
 * with a call of its own, which a group of rows (a few KB of the download) would make thousands of times.
 * Each group's text is encoded at once, while it is young: text kept across groups would be a long chain
 * of joined strings for the garbage collector to move.
 */
const CHUNK_BYTES = 1 << 20;

/** CSV bytes for the members, in chunks of about CHUNK_BYTES; fills `counts` as it goes. */
export async function* memberCsvChunks(
	memberRows: AsyncIterable<MemberRows>,
	skipAnonymous: boolean,
	counts: MemberCounts,
): AsyncGenerator<Buffer> {
	let headerWritten = false;
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	for await (const { columns, rows } of memberRows) {
		let text = headerWritten ? '' : headerLine(columns);
		headerWritten = true;
		const fields: string[] = new Array<string>(2 + columns.properties.length);
		for (const row of rows) {
			counts.memberCount++;
			const userId = row.fields[columns.userId];
			if (userId === '') {
				counts.anonymousCount++;
				if (skipAnonymous) continue;
			}
			fields[0] = row.fields[columns.amplitudeId];
			fields[1] = userId;
			for (let at = 0; at < columns.properties.length; at++) fields[2 + at] = row.fields[columns.properties[at].index];
			text += formatCsvLine(fields);
		}
		if (text === '') continue;
		const bytes = Buffer.from(text);
		pending.push(bytes);
		pendingBytes += bytes.length;
		if (pendingBytes >= CHUNK_BYTES) {
			yield Buffer.concat(pending, pendingBytes);
			pending = [];
			pendingBytes = 0;
		}
	}
	if (!headerWritten) pending.push(Buffer.from(headerLine(undefined)));
	if (pending.length > 0) yield Buffer.concat(pending);
}

/**
 * prepareBinaryData takes a Buffer or a Node Readable, and nodes may not import node:stream. The
 * download we read from is itself a Node Readable made by n8n's HTTP client (a Readable, an
 * IncomingMessage or a zlib stream): its class inherits Readable.from (or Duplex.from), which turns
 * our async generator into a Readable. n8n then stores the file as it is produced, never whole in memory
 * (in its filesystem/S3 binary modes). If that factory is missing, we fall back to one Buffer.
 */
export async function storeCsvBinary(
	ctx: IExecuteFunctions,
	downloadStream: unknown,
	chunks: AsyncGenerator<Buffer>,
	fileName: string,
): Promise<IBinaryData> {
	const streamClass = (downloadStream as { constructor?: { from?: ReadableFactory } } | null)?.constructor;
	if (typeof streamClass?.from === 'function') {
		const readable = streamClass.from.call(streamClass, chunks, { objectMode: false });
		return await ctx.helpers.prepareBinaryData(readable, fileName, 'text/csv');
	}
	const parts: Buffer[] = [];
	for await (const chunk of chunks) parts.push(chunk);
	return await ctx.helpers.prepareBinaryData(Buffer.concat(parts), fileName, 'text/csv');
}
