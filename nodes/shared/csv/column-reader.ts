/**
 * Reads a few columns of a big CSV straight from its bytes: the header is read whole, then each data row
 * costs one fresh string per column asked for and nothing for the others (no decoded text, no slices, no
 * array per row). It reads the same dialect as CsvRowParser, with the same errors and line numbers (the
 * tests hold the two to the same answers): quoted fields with `""` escapes, commas and newlines inside
 * quotes, LF / CRLF / CR line ends, a UTF-8 BOM, blank lines skipped.
 *
 * Pieces are parsed up to their last complete row; the rest waits for the next piece. Delimiters are
 * ASCII, and no byte of a multi-byte UTF-8 character is ASCII, so scanning bytes is safe.
 */
import { CsvFormatError } from './reader';

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const HIGH_BIT = 0x80;

/** Picks the columns to read from the header; returns their indexes. */
export type ColumnChooser = (header: string[], line: number) => number[];

/**
 * Receives each data row: the chosen columns' values in the order chosen ('' where the row is shorter),
 * in an array reused for the next row, the row's field count, and the line where it starts.
 */
export type ColumnRowSink = (values: string[], fieldCount: number, line: number) => void;

/** Says that the bytes end inside a row: parse again from its start once more bytes have come. */
const INCOMPLETE = -1;

class ColumnScanner {
	private header = true;

	private started = false;

	/** The columns chosen, in the order chosen (a column may be chosen twice). */
	private chosen: number[] = [];

	/** Column index → 1 if its text is built. Every column is read while reading the header. */
	private kept: Uint8Array = new Uint8Array(0);

	/** The current row's kept fields, by column. */
	private fields: string[] = [];

	/** What `onRow` gets: the chosen fields, in the order chosen. */
	private values: string[] = [];

	private line = 1;

	/** The last piece ended with a CR: a LF at the start of the next belongs to it. */
	private pendingCr = false;

	constructor(
		private readonly choose: ColumnChooser,
		private readonly onRow: ColumnRowSink,
	) {}

	/** Parses the complete rows of `bytes` (all of them if `final`); returns where the rest starts. */
	scan(bytes: Buffer, final: boolean): number {
		const length = bytes.length;
		let at = 0;
		if (!this.started && (length >= 3 || final)) {
			this.started = true;
			if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) at = 3;
		} else if (!this.started) {
			return 0;
		}
		if (this.pendingCr && length > 0) {
			this.pendingCr = false;
			if (bytes[at] === LF) at++;
		}
		while (at < length) {
			const code = bytes[at];
			if (code === LF || code === CR) {
				// A blank line.
				at = this.skipLineEnd(bytes, at);
				continue;
			}
			const end = this.row(bytes, at, final);
			if (end === INCOMPLETE) return at;
			at = end;
		}
		return at;
	}

	/** Parses the row starting at `start`; returns where the next row starts, or INCOMPLETE. */
	private row(bytes: Buffer, start: number, final: boolean): number {
		const length = bytes.length;
		const rowLine = this.line;
		const header: string[] = [];
		if (!this.header) for (const column of this.chosen) this.fields[column] = '';
		let at = start;
		let field = 0;
		for (;; field++) {
			const keep = this.header || this.kept[field] === 1;
			let value = '';
			if (at < length && bytes[at] === QUOTE) {
				// Quoted: find the closing quote, counting line feeds and noting escaped quotes.
				const contentStart = at + 1;
				let escaped = false;
				let highBits = 0;
				let p = contentStart;
				for (;;) {
					while (p < length && bytes[p] !== QUOTE) {
						if (bytes[p] === LF) this.line++;
						highBits |= bytes[p];
						p++;
					}
					if (p >= length) {
						if (!final) return this.incomplete(rowLine);
						throw new CsvFormatError('Quoted field not closed before the end of the input (is the file truncated?)', rowLine);
					}
					if (p + 1 >= length && !final) return this.incomplete(rowLine);
					if (bytes[p + 1] !== QUOTE) break;
					escaped = true;
					p += 2;
				}
				if (keep) {
					value = decode(bytes, contentStart, p, highBits);
					if (escaped) value = value.replace(/""/g, '"');
				}
				at = p + 1;
				if (at < length) {
					const next = bytes[at];
					if (next !== COMMA && next !== CR && next !== LF) {
						const shown = bytes.toString('utf8', at, Math.min(at + 4, length)).charAt(0);
						throw new CsvFormatError(`Unexpected character ${JSON.stringify(shown)} after a closing quote`, rowLine);
					}
				}
			} else {
				const fieldStart = at;
				let highBits = 0;
				while (at < length) {
					const code = bytes[at];
					if (code === COMMA || code === CR || code === LF) break;
					highBits |= code;
					at++;
				}
				if (at >= length && !final) return this.incomplete(rowLine);
				if (keep) value = decode(bytes, fieldStart, at, highBits);
			}
			if (this.header) header.push(value);
			else if (keep) this.fields[field] = value;
			if (at < length && bytes[at] === COMMA) {
				at++;
				continue;
			}
			break;
		}
		// The row ends at a line end, or at the end of the input.
		if (at < length) at = this.skipLineEnd(bytes, at);
		this.emit(header, field + 1, rowLine);
		return at;
	}

	private emit(header: string[], fieldCount: number, line: number): void {
		if (!this.header) {
			for (let position = 0; position < this.chosen.length; position++) this.values[position] = this.fields[this.chosen[position]];
			this.onRow(this.values, fieldCount, line);
			return;
		}
		this.header = false;
		// Columns past the header are never read: they read as ''.
		this.chosen = this.choose(header, line).map((column) => (column >= 0 && column < header.length ? column : header.length));
		this.kept = new Uint8Array(header.length);
		for (const column of this.chosen) if (column < header.length) this.kept[column] = 1;
		this.fields = new Array<string>(header.length + 1).fill('');
		this.values = new Array<string>(this.chosen.length).fill('');
	}

	private skipLineEnd(bytes: Buffer, at: number): number {
		this.line++;
		if (bytes[at] === LF) return at + 1;
		// CR: swallow a LF that follows, even at the start of the next piece.
		if (at + 1 < bytes.length) return bytes[at + 1] === LF ? at + 2 : at + 1;
		this.pendingCr = true;
		return at + 1;
	}

	/** The row will be parsed again from its start: forget the lines counted in it. */
	private incomplete(rowLine: number): number {
		this.line = rowLine;
		return INCOMPLETE;
	}
}

function decode(bytes: Buffer, start: number, end: number, highBits: number): string {
	return bytes.toString((highBits & HIGH_BIT) === 0 ? 'latin1' : 'utf8', start, end);
}

function asBuffer(chunk: Uint8Array): Buffer {
	return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Reads the CSV in `chunks`: `choose` gets the header and names the columns to read, `onRow` gets each
 * data row. A row longer than a piece is parsed once enough pieces have come (the wait doubles), so even
 * a huge quoted field costs linear time.
 */
export async function readCsvColumns(chunks: AsyncIterable<Uint8Array>, choose: ColumnChooser, onRow: ColumnRowSink): Promise<void> {
	const scanner = new ColumnScanner(choose, onRow);
	let waiting: Buffer[] = [];
	let waitingBytes = 0;
	/** Bytes left over by the last scan: the start of a row that did not end in them. */
	let leftover = 0;
	for await (const chunk of chunks) {
		waiting.push(asBuffer(chunk));
		waitingBytes += chunk.length;
		if (waitingBytes < 2 * leftover) continue;
		const bytes = waiting.length === 1 ? waiting[0] : Buffer.concat(waiting, waitingBytes);
		const rest = bytes.subarray(scanner.scan(bytes, false));
		waiting = rest.length > 0 ? [rest] : [];
		waitingBytes = leftover = rest.length;
	}
	scanner.scan(waiting.length === 1 ? waiting[0] : Buffer.concat(waiting, waitingBytes), true);
}
