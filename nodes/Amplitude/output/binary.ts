/**
 * Format `binary`: the members as a CSV file (`amplitude_id,user_id[,properties]`, or without
 * `amplitude_id`; clean names, decompressed), produced chunk by chunk while the download is read.
 */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { escapeQuotes, formatCsvLine, type RawField } from '../../shared/csv';
import type { MemberColumns, MemberRowSink, MemberRows } from '../helpers/members';
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

/**
 * The most bytes a field can take in the file per UTF-16 code unit of its text, or per byte of the export:
 * UTF-8 takes at most 3 bytes a unit, an invalid byte becomes U+FFFD (3 bytes), a quote is doubled.
 */
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

	/**
	 * A field given as the export's bytes, copied as they are: a quoted field's `""` escapes are what the
	 * file needs. Beyond ASCII (where invalid UTF-8 must turn into U+FFFD as in text) and for a quote in an
	 * unquoted field, it is written from its text instead.
	 */
	bytesField(raw: RawField, first: boolean): void {
		const { bytes, start, end, quoted } = raw;
		const chunk = this.chunk;
		const begin = this.used;
		let used = begin;
		if (!first) chunk[used++] = 44;
		chunk[used++] = QUOTE;
		for (let at = start; at < end; at++) {
			const byte = bytes[at];
			if (byte >= 0x80 || (byte === QUOTE && !quoted)) {
				this.used = begin;
				this.field(fieldText(raw), first);
				return;
			}
			chunk[used++] = byte;
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

/**
 * The CSV File, written while the export is read: each row's fields are copied from the export's bytes
 * (`row`, the reader's onRowBytes), and the file comes out in chunks of about CHUNK_BYTES (`chunks`, which
 * drives the reading). No string is made per field or row. Fills `counts` as it goes.
 */
export class MemberCsvFile {
	private readonly writer = new CsvChunkWriter();

	/** Chunks filled by the rows of the last piece read, not yet handed on. */
	private readonly filled: Buffer[] = [];

	private headerWritten = false;

	/** The columns written, as positions in a row: [amplitude_id,] user_id, then the properties. */
	private positions: number[] = [];

	private positionsFor: MemberColumns | undefined;

	private readonly leaveOutAnonymous: boolean;

	constructor(
		private readonly settings: MemberCsvSettings,
		private readonly counts: MemberCounts,
	) {
		this.leaveOutAnonymous = settings.skipAnonymous || !settings.withAmplitudeId;
	}

	readonly row: MemberRowSink = (columns, values, raw) => {
		if (columns !== this.positionsFor) this.start(columns);
		this.counts.memberCount++;
		const anonymous = raw ? raw[columns.userId].end === raw[columns.userId].start : values[columns.userId] === '';
		if (anonymous) {
			this.counts.anonymousCount++;
			if (this.leaveOutAnonymous) return;
		}
		const { positions, writer } = this;
		let size = 0;
		for (const position of positions) size += raw ? raw[position].end - raw[position].start : values[position].length;
		this.makeRoom(size, positions.length);
		for (let at = 0; at < positions.length; at++) {
			if (raw) writer.bytesField(raw[positions[at]], at === 0);
			else writer.field(values[positions[at]], at === 0);
		}
		writer.endRow();
	};

	async *chunks(groups: AsyncIterable<MemberRows>): AsyncGenerator<Buffer> {
		for await (const group of groups) {
			if (group.count > 0) yield* this.handOn();
		}
		if (!this.headerWritten) this.header(headerLine(undefined, this.settings.withAmplitudeId));
		yield* this.handOn();
		if (this.writer.used > 0) yield this.writer.take(0, 0);
	}

	private *handOn(): Generator<Buffer> {
		while (this.filled.length > 0) yield this.filled.shift()!;
	}

	private start(columns: MemberColumns): void {
		if (!this.headerWritten) this.header(headerLine(columns, this.settings.withAmplitudeId));
		this.positionsFor = columns;
		const { amplitudeId, userId, properties } = columns;
		this.positions = [...(this.settings.withAmplitudeId ? [amplitudeId] : []), userId, ...properties.map((property) => property.index)];
	}

	private header(line: string): void {
		this.makeRoom(line.length, 0);
		this.writer.text(line);
		this.headerWritten = true;
	}

	/** Hands on the chunk if a row of `units` in `fields` fields might not fit in what is left of it. */
	private makeRoom(units: number, fields: number): void {
		if (this.writer.fits(units, fields)) return;
		const full = this.writer.take(units, fields);
		if (full.length > 0) this.filled.push(full);
	}
}

/** The field's value, as the CSV reader gives it as text. */
function fieldText({ bytes, start, end, escaped }: RawField): string {
	const text = bytes.toString('utf8', start, end);
	return escaped ? text.replace(/""/g, '"') : text;
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
