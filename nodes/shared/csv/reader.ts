/**
 * A small streaming CSV reader (RFC 4180 plus the usual real-world slack): quoted fields with `""`
 * escapes, commas and newlines inside quotes, LF / CRLF / CR line ends, a UTF-8 BOM, blank lines skipped.
 * It never holds more than the current row, so a file of any size can be read from a stream.
 */

/** Malformed input; `line` is the 1-based physical line where the faulty row starts. */
export class CsvFormatError extends Error {
	readonly line: number;

	constructor(problem: string, line: number) {
		super(`${problem} (line ${line})`);
		this.name = 'CsvFormatError';
		this.line = line;
	}
}

export interface CsvRow {
	fields: string[];
	/** 1-based line where the row starts (newlines inside quotes count, so this matches an editor). */
	line: number;
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const BOM = '\uFEFF';

const enum State {
	FieldStart,
	Unquoted,
	Quoted,
	/** Just read a quote inside a quoted field: either an escaped quote or the field's end. */
	QuoteInQuoted,
}

function countLineFeeds(text: string): number {
	let count = 0;
	for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
	return count;
}

/** Push-style parser: feed text in pieces of any size, get the rows they complete. */
export class CsvRowParser {
	private state = State.FieldStart;

	private fields: string[] = [];

	private field = '';

	private line = 1;

	private rowLine = 1;

	/** The previous piece ended with CR: a LF at the start of the next piece belongs to it. */
	private pendingCr = false;

	private started = false;

	push(piece: string): CsvRow[] {
		const rows: CsvRow[] = [];
		let text = piece;
		if (!this.started && text.length > 0) {
			this.started = true;
			if (text.startsWith(BOM)) text = text.slice(1);
		}
		const length = text.length;
		let i = 0;
		if (this.pendingCr && length > 0) {
			this.pendingCr = false;
			if (text.charCodeAt(0) === LF) i = 1;
		}
		while (i < length) {
			switch (this.state) {
				case State.FieldStart: {
					const code = text.charCodeAt(i);
					if (this.fields.length === 0 && code !== CR && code !== LF) this.rowLine = this.line;
					if (code === QUOTE) {
						this.state = State.Quoted;
						i++;
					} else if (code === COMMA) {
						this.fields.push('');
						i++;
					} else if (code === CR || code === LF) {
						// A blank line is skipped; after a trailing comma, the row ends with an empty field.
						if (this.fields.length > 0) {
							this.fields.push('');
							rows.push(this.takeRow());
						}
						i = this.skipLineEnd(text, i);
					} else {
						this.state = State.Unquoted;
					}
					break;
				}
				case State.Unquoted: {
					let end = i;
					while (end < length) {
						const code = text.charCodeAt(end);
						if (code === COMMA || code === CR || code === LF) break;
						end++;
					}
					this.field += text.slice(i, end);
					i = end;
					if (end < length) i = this.endField(text, end, rows);
					break;
				}
				case State.Quoted: {
					const close = text.indexOf('"', i);
					const content = close === -1 ? text.slice(i) : text.slice(i, close);
					this.field += content;
					this.line += countLineFeeds(content);
					if (close === -1) {
						i = length;
					} else {
						this.state = State.QuoteInQuoted;
						i = close + 1;
					}
					break;
				}
				case State.QuoteInQuoted: {
					const code = text.charCodeAt(i);
					if (code === QUOTE) {
						this.field += '"';
						this.state = State.Quoted;
						i++;
					} else if (code === COMMA || code === CR || code === LF) {
						i = this.endField(text, i, rows);
					} else {
						throw new CsvFormatError(
							`Unexpected character ${JSON.stringify(text[i])} after a closing quote`,
							this.rowLine,
						);
					}
					break;
				}
			}
		}
		return rows;
	}

	/** Call once the input is over: returns the last row if the input did not end with a newline. */
	end(): CsvRow | undefined {
		if (this.state === State.Quoted) {
			throw new CsvFormatError('Quoted field not closed before the end of the input (is the file truncated?)', this.rowLine);
		}
		if (this.state === State.FieldStart && this.fields.length === 0) return undefined;
		this.fields.push(this.field);
		return this.takeRow();
	}

	/** `at` is a comma or a line end that closes the current field. Returns where to continue. */
	private endField(text: string, at: number, rows: CsvRow[]): number {
		this.fields.push(this.field);
		this.field = '';
		this.state = State.FieldStart;
		if (text.charCodeAt(at) === COMMA) return at + 1;
		rows.push(this.takeRow());
		return this.skipLineEnd(text, at);
	}

	private skipLineEnd(text: string, at: number): number {
		this.line++;
		if (text.charCodeAt(at) === LF) return at + 1;
		// CR: swallow a LF that follows, even in the next piece.
		if (at + 1 < text.length) return text.charCodeAt(at + 1) === LF ? at + 2 : at + 1;
		this.pendingCr = true;
		return at + 1;
	}

	private takeRow(): CsvRow {
		const row = { fields: this.fields, line: this.rowLine };
		this.fields = [];
		this.field = '';
		this.state = State.FieldStart;
		return row;
	}
}

/** Rows as string arrays with their line numbers, from text or UTF-8 byte chunks. */
/**
 * The rows of each piece of input, a batch at a time: one `await` per piece rather than per row, which
 * matters at millions of rows.
 */
export async function* readCsvRowBatches(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<CsvRow[]> {
	const decoder = new TextDecoder('utf-8');
	const parser = new CsvRowParser();
	for await (const chunk of chunks) {
		const rows = parser.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
		if (rows.length > 0) yield rows;
	}
	const rows = parser.push(decoder.decode());
	const last = parser.end();
	if (last) rows.push(last);
	if (rows.length > 0) yield rows;
}

export async function* readCsvRows(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<CsvRow> {
	for await (const rows of readCsvRowBatches(chunks)) yield* rows;
}

/**
 * One record per data row, keyed by the header row. A row whose field count differs from the
 * header's is an error (a truncated or corrupted file), reported with its line.
 */
export async function* readCsvRecords(
	chunks: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<Record<string, string>> {
	let header: string[] | undefined;
	for await (const { fields, line } of readCsvRows(chunks)) {
		if (!header) {
			header = fields;
			continue;
		}
		if (fields.length !== header.length) {
			throw new CsvFormatError(`Expected ${header.length} fields but found ${fields.length}`, line);
		}
		const record: Record<string, string> = {};
		for (let column = 0; column < header.length; column++) record[header[column]] = fields[column];
		yield record;
	}
}
