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
 * which a group of rows (a few KB of the download) would make thousands of times.
 */
const CHUNK_BYTES = 1 << 20;

/** The most bytes a field's text can take in the file: UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_UNIT = 3;

const QUOTE = 34;

/**
 * Writes quoted CSV fields straight into a chunk's bytes: printable ASCII a character at a time, the rest
 * (a quote to double, UTF-8 to encode) through Buffer.write. No string is made per field or row, so two
 * million rows leave nothing for the garbage collector.
 */
class CsvChunkWriter {
	chunk = Buffer.allocUnsafe(CHUNK_BYTES);

	used = 0;

	/** Room for a row of fields of this many UTF-16 units in all: false if the chunk must be handed on first. */
	fits(units: number, fields: number): boolean {
		return this.used + units * MAX_BYTES_PER_UNIT + fields * 3 + 1 <= this.chunk.length;
	}

	/** Hands on the chunk's bytes; the next row needs room for `units` units in `fields` fields. */
	take(units: number, fields: number): Buffer {
		const full = this.chunk.subarray(0, this.used);
		this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, units * MAX_BYTES_PER_UNIT + fields * 3 + 1));
		this.used = 0;
		return full;
	}

	field(value: string, first: boolean): void {
		const chunk = this.chunk;
		let used = this.used;
		if (!first) chunk[used++] = 44;
		chunk[used++] = QUOTE;
		for (let at = 0; at < value.length; at++) {
			const code = value.charCodeAt(at);
			if (code >= 0x80 || code === QUOTE) {
				used += chunk.write(escapeQuotes(value.slice(at)), used, 'utf8');
				break;
			}
			chunk[used++] = code;
		}
		chunk[used++] = QUOTE;
		this.used = used;
	}

	endRow(): void {
		this.chunk[this.used++] = 10;
	}

	text(line: string): void {
		this.used += this.chunk.write(line, this.used, 'utf8');
	}
}

/** CSV bytes for the members, in chunks of about CHUNK_BYTES; fills `counts` as it goes. */
export async function* memberCsvChunks(
	memberRows: AsyncIterable<MemberRows>,
	{ skipAnonymous, withAmplitudeId }: MemberCsvSettings,
	counts: MemberCounts,
): AsyncGenerator<Buffer> {
	const leaveOutAnonymous = skipAnonymous || !withAmplitudeId;
	const writer = new CsvChunkWriter();
	let headerWritten = false;
	for await (const { columns, fields } of memberRows) {
		if (!headerWritten) writer.text(headerLine(columns, withAmplitudeId));
		headerWritten = true;
		const properties = columns.properties;
		const width = properties.length + (withAmplitudeId ? 2 : 1);
		for (let row = 0; row < fields.length; row += columns.width) {
			counts.memberCount++;
			const userId = fields[row + columns.userId];
			if (userId === '') {
				counts.anonymousCount++;
				if (leaveOutAnonymous) continue;
			}
			const amplitudeId = withAmplitudeId ? fields[row + columns.amplitudeId] : '';
			let units = userId.length + amplitudeId.length;
			for (const property of properties) units += fields[row + property.index].length;
			if (!writer.fits(units, width)) yield writer.take(units, width);
			if (withAmplitudeId) writer.field(amplitudeId, true);
			writer.field(userId, !withAmplitudeId);
			for (const property of properties) writer.field(fields[row + property.index], false);
			writer.endRow();
		}
	}
	if (!headerWritten) writer.text(headerLine(undefined, withAmplitudeId));
	if (writer.used > 0) yield writer.take(0, 0);
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
