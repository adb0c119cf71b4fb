/**
 * The CSV reader: reads the chosen columns of a CSV of any size straight from its bytes. The header is
 * read whole, then each data row costs one fresh string per column asked for and nothing for the others
 * (no decoded text, no array per row); with the `slices` option, a slice of the piece's text instead, and
 * with the `raw` option, the field's bytes in the piece (no string at all). The
 * dialect: quoted fields with `""` escapes, commas and newlines inside quotes, LF / CRLF / CR line ends,
 * a UTF-8 BOM, blank lines skipped. Errors name the line where the faulty row starts (newlines inside
 * quotes count, so it matches an editor).
 *
 * Pieces are parsed up to their last complete row; the rest waits for the next piece. Delimiters are
 * ASCII, and no byte of a multi-byte UTF-8 character is ASCII, so scanning bytes is safe.
 */
import { CsvFormatError } from './format-error';

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const HIGH_BIT = 0x80;

/** Whether no byte has its high bit set: four bytes at a time where they are aligned (a regular expression costs more). */
function allAscii(bytes: Buffer): boolean {
	const { byteOffset, length } = bytes;
	const head = Math.min(length, (4 - (byteOffset % 4)) % 4);
	const words = (length - head) >>> 2;
	let high = 0;
	for (let at = 0; at < head; at++) high |= bytes[at];
	if (words > 0) {
		const view = new Uint32Array(bytes.buffer, byteOffset + head, words);
		for (let at = 0; at < words; at++) high |= view[at];
	}
	for (let at = head + words * 4; at < length; at++) high |= bytes[at];
	return (high & 0x80808080) === 0;
}

/** Picks the columns to read from the header; returns their indexes. */
export type ColumnChooser = (header: string[], line: number) => number[];

/**
 * Receives each data row: the chosen columns' values in the order chosen ('' where the row is shorter),
 * in an array reused for the next row, the row's field count, and the line where it starts. With the
 * `raw` option, the columns it names come as bytes in `raw`, by position in the order chosen (and their
 * values are ''), except in a last row without a line break, which comes as text with no `raw`.
 */
export type ColumnRowSink = (values: string[], fieldCount: number, line: number, raw?: readonly RawField[]) => void;

/** A field as the bytes between its quotes (if any), valid only during the call that gives it. */
export interface RawField {
	bytes: Buffer;
	start: number;
	end: number;
	/** It was quoted in the file. */
	quoted: boolean;
	/** It holds `""` escapes, still doubled in the bytes. */
	escaped: boolean;
}

/** The field of a column the row does not reach (or the header does not have). */
const EMPTY_RAW: RawField = Object.freeze({ bytes: Buffer.alloc(0), start: 0, end: 0, quoted: false, escaped: false });

export interface ColumnReaderOptions {
	/**
	 * Let values be slices of the piece's decoded text instead of fresh strings: faster when most columns
	 * are read, but V8 keeps a piece's text alive while a slice of it lives, so a value kept for long
	 * should go through detachField.
	 */
	slices?: boolean;
	/**
	 * Give columns as bytes (see ColumnRowSink), not as strings: `firstColumn` the first chosen (for a
	 * reader that keeps it as bytes; ignored when that column is also chosen again), `allColumns` every
	 * chosen column (for a reader that copies them into a file). `raw[0]` is then the first chosen column.
	 */
	raw?: 'firstColumn' | 'allColumns';
}

/** A last record with no line break after it: held back by `end()` until the caller accepts it. */
export interface UnterminatedRecord {
	/** The header row (`fields` is then the whole header); otherwise `fields` are the chosen columns. */
	header: boolean;
	fields: string[];
	fieldCount: number;
	line: number;
}

/**
 * How the input ended: after a line break (or with no record at all), right after a last record with no
 * line break, or inside a quoted field (the record there is lost: a cut file). A file cut between two
 * fields or inside an unquoted one reads as `unterminated`.
 */
export type CsvEnd =
	| { kind: 'lineBreak' }
	| { kind: 'unterminated'; record: UnterminatedRecord }
	| { kind: 'openQuote'; line: number };

const OPEN_QUOTE_PROBLEM = 'Quoted field not closed before the end of the input (is the file truncated?)';

const NO_HEADER: string[] = [];

/** How much of a row's start, and of the next piece, a bridge between two pieces joins (see `bridged`). */
const BRIDGE_BYTES = 1024;

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

	/** The header's field count (0 while reading it). */
	private width = 0;

	/** The last piece ended with a CR: a LF at the start of the next belongs to it. */
	private pendingCr = false;

	/** Set by the final scan. */
	ending: CsvEnd = { kind: 'lineBreak' };

	/** With `slices`: the bytes being scanned as latin1, one character a byte, so ASCII fields are slices of it. */
	private text = '';

	/**
	 * With `slices`, when the piece is all ASCII: quoted fields are found with the string's indexOf
	 * (much faster than a byte loop), and `nextLineFeed` keeps the next line feed's position, so counting
	 * lines costs one search per row rather than one per field.
	 */
	private asciiText = false;

	private nextLineFeed = -1;

	/** With `raw`: column index → its slot in rawSlots, or -1 when it comes as text. */
	private rawSlot = new Int32Array(0);

	/** The current row's fields given as bytes, one per column. */
	private rawSlots: RawField[] = [];

	/** What `onRow` gets as `raw`: rawSlots by position in the order chosen (undefined: none). */
	private rawRow: RawField[] | undefined;

	constructor(
		private readonly choose: ColumnChooser,
		private readonly onRow: ColumnRowSink,
		private readonly slices: boolean,
		private readonly raw: ColumnReaderOptions['raw'],
	) {}

	/** Parses the complete rows of `bytes` (all of them if `final`); returns where the rest starts. */
	scan(bytes: Buffer, final: boolean): number {
		const length = bytes.length;
		if (this.slices) {
			this.text = bytes.toString('latin1');
			this.asciiText = allAscii(bytes);
			this.nextLineFeed = -1;
		}
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
		// Only the header row fills it: a data row gets the shared empty one (a fresh array per row adds up).
		const header: string[] = this.header ? [] : NO_HEADER;
		// A column the row does not reach reads as empty.
		for (const slot of this.rawSlots) slot.end = slot.start;
		let at = start;
		let field = 0;
		for (;; field++) {
			const keep = this.header || this.kept[field] === 1;
			const slot = field < this.width ? this.rawSlot[field] : -1;
			let value = '';
			if (at < length && bytes[at] === QUOTE) {
				// Quoted: find the closing quote, counting line feeds and noting escaped quotes.
				const contentStart = at + 1;
				let escaped = false;
				let highBits = 0;
				let p = contentStart;
				for (;;) {
					if (this.asciiText) p = this.closingQuote(p, length);
					else {
						while (p < length && bytes[p] !== QUOTE) {
							if (bytes[p] === LF) this.line++;
							highBits |= bytes[p];
							p++;
						}
					}
					if (p >= length) {
						if (!final) return this.incomplete(rowLine);
						this.ending = { kind: 'openQuote', line: rowLine };
						return length;
					}
					if (p + 1 >= length && !final) return this.incomplete(rowLine);
					if (bytes[p + 1] !== QUOTE) break;
					escaped = true;
					p += 2;
				}
				if (slot >= 0) this.keepRaw(slot, bytes, contentStart, p, true, escaped);
				else if (keep) {
					value = this.decode(bytes, contentStart, p, highBits);
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
				if (slot >= 0) this.keepRaw(slot, bytes, fieldStart, at, false, false);
				else if (keep) value = this.decode(bytes, fieldStart, at, highBits);
			}
			if (this.header) header.push(value);
			else if (keep) this.fields[field] = value;
			if (at < length && bytes[at] === COMMA) {
				at++;
				continue;
			}
			break;
		}
		// A short row: its missing columns read as ''.
		if (field + 1 < this.width) for (let column = field + 1; column < this.width; column++) this.fields[column] = '';
		// The row ends at a line end, or (only in the final scan) at the end of the input: then it is held.
		if (at >= length) {
			this.ending = { kind: 'unterminated', record: this.held(header, field + 1, rowLine) };
			return at;
		}
		at = this.skipLineEnd(bytes, at);
		this.emit(header, field + 1, rowLine);
		return at;
	}

	/**
	 * In an ASCII piece's text: the position of the next quote from `from` (or `length`), counting the
	 * line feeds before it.
	 */
	private closingQuote(from: number, length: number): number {
		const quote = this.text.indexOf('"', from);
		const end = quote === -1 ? length : quote;
		if (this.nextLineFeed < from) this.nextLineFeed = this.lineFeedFrom(from);
		while (this.nextLineFeed < end) {
			this.line++;
			this.nextLineFeed = this.lineFeedFrom(this.nextLineFeed + 1);
		}
		return end;
	}

	/** The next line feed from `from`, or the text's length if none (so it is not searched again). */
	private lineFeedFrom(from: number): number {
		const found = this.text.indexOf('\n', from);
		return found === -1 ? this.text.length : found;
	}

	/** Gives a row to `choose` (the header) or `onRow`, as if a line break followed it. */
	accept(record: UnterminatedRecord): void {
		if (record.header) this.emit(record.fields, record.fieldCount, record.line);
		else this.onRow(record.fields, record.fieldCount, record.line);
	}

	private decode(bytes: Buffer, start: number, end: number, highBits: number): string {
		if ((highBits & HIGH_BIT) !== 0) return bytes.toString('utf8', start, end);
		return this.slices ? this.text.slice(start, end) : bytes.toString('latin1', start, end);
	}

	private keepRaw(slot: number, bytes: Buffer, start: number, end: number, quoted: boolean, escaped: boolean): void {
		const field = this.rawSlots[slot];
		field.bytes = bytes;
		field.start = start;
		field.end = end;
		field.quoted = quoted;
		field.escaped = escaped;
	}

	/** A column's field as text: for a held record, which outlives the bytes. */
	private fieldText(column: number): string {
		const slot = column < this.width ? this.rawSlot[column] : -1;
		if (slot < 0) return this.fields[column];
		const { bytes, start, end, escaped } = this.rawSlots[slot];
		const text = bytes.toString('utf8', start, end);
		return escaped ? text.replace(/""/g, '"') : text;
	}

	private held(header: string[], fieldCount: number, line: number): UnterminatedRecord {
		if (this.header) return { header: true, fields: header, fieldCount, line };
		const fields = this.chosen.map((column) => this.fieldText(column));
		return { header: false, fields, fieldCount, line };
	}

	private emit(header: string[], fieldCount: number, line: number): void {
		if (!this.header) {
			for (let position = 0; position < this.chosen.length; position++) this.values[position] = this.fields[this.chosen[position]];
			if (this.rawRow) this.onRow(this.values, fieldCount, line, this.rawRow);
			else this.onRow(this.values, fieldCount, line);
			return;
		}
		this.readHeader(header, line);
	}

	/**
	 * Apart from `emit`: its arrow function captures `header`, and a function holding such a closure
	 * allocates a context on every call, even one that returns before reaching it: 40 bytes a row.
	 */
	private readHeader(header: string[], line: number): void {
		this.header = false;
		// Columns past the header are never read: they read as ''.
		this.chosen = this.choose(header, line).map((column) => (column >= 0 && column < header.length ? column : header.length));
		this.kept = new Uint8Array(header.length);
		for (const column of this.chosen) if (column < header.length) this.kept[column] = 1;
		this.fields = new Array<string>(header.length + 1).fill('');
		this.width = header.length;
		this.values = new Array<string>(this.chosen.length).fill('');
		this.chooseRaw(header.length);
	}

	/** Which chosen columns come as bytes (see the `raw` option). */
	private chooseRaw(width: number): void {
		this.rawSlot = new Int32Array(width).fill(-1);
		const first = this.chosen[0];
		let rawColumns: number[] = [];
		if (this.raw === 'allColumns') rawColumns = this.chosen.filter((column) => column < width);
		else if (this.raw === 'firstColumn' && first !== undefined && first < width && this.chosen.indexOf(first, 1) === -1) rawColumns = [first];
		if (rawColumns.length === 0) return;
		for (const column of rawColumns) {
			if (this.rawSlot[column] >= 0) continue;
			this.rawSlot[column] = this.rawSlots.length;
			this.rawSlots.push({ bytes: EMPTY_RAW.bytes, start: 0, end: 0, quoted: false, escaped: false });
		}
		const rawChosen = this.raw === 'allColumns' ? this.chosen : [first];
		this.rawRow = rawChosen.map((column) => (column < width ? this.rawSlots[this.rawSlot[column]] : EMPTY_RAW));
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

function asBuffer(chunk: Uint8Array): Buffer {
	return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Push-style reader: `push` each piece of the input, then `end`. `choose` gets the header and names the
 * columns to read, `onRow` gets each data row. A row longer than a piece is parsed once enough pieces
 * have come (the wait doubles), so even a huge quoted field costs linear time.
 */
export class CsvColumnReader {
	private readonly scanner: ColumnScanner;

	private waiting: Buffer[] = [];

	private waitingBytes = 0;

	/** Bytes left over by the last scan: the start of a row that did not end in them. */
	private leftover = 0;

	constructor(choose: ColumnChooser, onRow: ColumnRowSink, options: ColumnReaderOptions = {}) {
		this.scanner = new ColumnScanner(choose, onRow, options.slices === true, options.raw);
	}

	push(chunk: Uint8Array): void {
		const piece = asBuffer(chunk);
		if (this.bridged(piece)) return;
		this.waiting.push(piece);
		this.waitingBytes += piece.length;
		if (this.waitingBytes < 2 * this.leftover) return;
		this.scanRest(this.takeWaiting());
	}

	/**
	 * Most pieces end inside a row. Rather than copy the whole next piece behind that row's start, the
	 * row is finished on a short joined buffer (its start and the next piece's first bytes), and the
	 * piece is then scanned where it lies. Returns false, the piece not taken, for a row longer than that.
	 */
	private bridged(piece: Buffer): boolean {
		if (this.waiting.length !== 1 || this.leftover === 0 || this.leftover > BRIDGE_BYTES) return false;
		const head = this.waiting[0];
		const joined = Buffer.concat([head, piece.subarray(0, BRIDGE_BYTES)]);
		const scanned = this.scanner.scan(joined, false);
		if (scanned >= head.length) {
			this.scanRest(piece.subarray(scanned - head.length));
			return true;
		}
		// The row goes on past the bridge: it waits for more pieces like any long row (without what the scan
		// did take before it: a BOM, blank lines).
		this.waiting = [head.subarray(scanned)];
		this.waitingBytes = this.leftover = head.length - scanned;
		return false;
	}

	private scanRest(bytes: Buffer): void {
		const rest = bytes.subarray(this.scanner.scan(bytes, false));
		this.waiting = rest.length > 0 ? [rest] : [];
		this.waitingBytes = this.leftover = rest.length;
	}

	/**
	 * The input is over: parses what is left and says how the input ended. A last record with no line
	 * break after it is not given to `choose` or `onRow` but returned, for `accept` once the caller
	 * trusts it.
	 */
	end(): CsvEnd {
		const bytes = this.takeWaiting();
		this.waitingBytes = this.leftover = 0;
		this.scanner.scan(bytes, true);
		return this.scanner.ending;
	}

	/** Gives the record `end` held back to `choose` or `onRow`, as if a line break followed it. */
	accept(record: UnterminatedRecord): void {
		this.scanner.accept(record);
	}

	/** `end` for readers that take the file as it is: a last record without a line break is read, an open quote is an error. */
	finish(): void {
		const ending = this.end();
		if (ending.kind === 'openQuote') throw new CsvFormatError(OPEN_QUOTE_PROBLEM, ending.line);
		if (ending.kind === 'unterminated') this.accept(ending.record);
	}

	private takeWaiting(): Buffer {
		const bytes = this.waiting.length === 1 ? this.waiting[0] : Buffer.concat(this.waiting, this.waitingBytes);
		this.waiting = [];
		return bytes;
	}
}

/**
 * Reads the whole CSV in `chunks` (see CsvColumnReader). A last record without a line break is read like
 * the others; a quoted field still open at the end is an error.
 */
export async function readCsvColumns(
	chunks: AsyncIterable<Uint8Array>,
	choose: ColumnChooser,
	onRow: ColumnRowSink,
	options: ColumnReaderOptions = {},
): Promise<void> {
	const reader = new CsvColumnReader(choose, onRow, options);
	for await (const chunk of chunks) reader.push(chunk);
	reader.finish();
}
