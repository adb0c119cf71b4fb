/**
 * Format `binary`: the members as a CSV file (`amplitude_id,user_id[,properties]`, or without
 * `amplitude_id`; clean names, decompressed), produced chunk by chunk while the download is read.
 */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { escapeQuotes, formatCsvLine } from '../../shared/csv';
import type { MemberRows, MemberColumns } from '../helpers/members';
import type { MemberCounts } from './counts';

type NodeReadable = Exclude<Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0], Buffer>;

type ReadableFactory = (source: AsyncIterable<Buffer>, options?: { objectMode: boolean }) => NodeReadable;

/** CSV Columns: `userId` leaves amplitude_id out, and with it the anonymous members (nothing would name them). */
export type CsvColumns = 'amplitudeIdAndUserId' | 'userId';

export interface MemberCsvSettings {
	skipAnonymous: boolean;
	withAmplitudeId: boolean;
}

function headerLine(columns: MemberColumns | undefined, withAmplitudeId: boolean): string {
	const properties = columns?.properties.map((property) => property.name) ?? [];
	return formatCsvLine(withAmplitudeId ? ['amplitude_id', 'user_id', ...properties] : ['user_id', ...properties]);
}

/**
 * The size of the chunks handed on: n8n writes each chunk to its binary data store with a call of its own,
 * which a group of rows (a few KB of the download) would make thousands of times. Each group's text is
 * written into the chunk at once, while it is young: neither text nor buffers kept across groups pile up
 * for the garbage collector to move.
 */
const CHUNK_BYTES = 1 << 20;

/** UTF-8 takes at most 3 bytes per UTF-16 code unit: a text of this length surely fits in this many bytes. */
const MAX_UTF8_BYTES_PER_UNIT = 3;

/** CSV bytes for the members, in chunks of about CHUNK_BYTES; fills `counts` as it goes. */
export async function* memberCsvChunks(
	memberRows: AsyncIterable<MemberRows>,
	{ skipAnonymous, withAmplitudeId }: MemberCsvSettings,
	counts: MemberCounts,
): AsyncGenerator<Buffer> {
	const leaveOutAnonymous = skipAnonymous || !withAmplitudeId;
	let headerWritten = false;
	let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
	let used = 0;
	const parts: string[] = [];
	for await (const { columns, fields } of memberRows) {
		if (!headerWritten) parts.push(headerLine(columns, withAmplitudeId));
		headerWritten = true;
		for (let row = 0; row < fields.length; row += columns.width) {
			counts.memberCount++;
			const userId = fields[row + columns.userId];
			if (userId === '') {
				counts.anonymousCount++;
				if (leaveOutAnonymous) continue;
			}
			// The row's text as parts, joined once per group: no intermediate string per field or row.
			if (withAmplitudeId) parts.push('"', escapeQuotes(fields[row + columns.amplitudeId]), '","', escapeQuotes(userId));
			else parts.push('"', escapeQuotes(userId));
			for (const property of columns.properties) parts.push('","', escapeQuotes(fields[row + property.index]));
			parts.push('"\n');
		}
		if (parts.length === 0) continue;
		const text = parts.join('');
		parts.length = 0;
		const room = text.length * MAX_UTF8_BYTES_PER_UNIT;
		if (used + room > chunk.length) {
			if (used > 0) yield chunk.subarray(0, used);
			chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, room));
			used = 0;
		}
		used += chunk.write(text, used);
	}
	if (!headerWritten) used += chunk.write(headerLine(undefined, withAmplitudeId), used);
	if (used > 0) yield chunk.subarray(0, used);
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
