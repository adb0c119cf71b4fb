/**
 * The byte-level CSV reader against a plain reference parser written here (whole text, one character at
 * a time): on random nasty CSVs cut into random pieces (splitting multi-byte characters and CRLFs), both
 * must give the same rows, lines, errors, and the same account of how the input ended.
 */
import { CsvColumnReader, CsvFormatError, readCsvColumns, type ColumnReaderOptions, type CsvEnd, type RawField } from '../../nodes/shared/csv';

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 2 ** 32;
	};
}

const TEXT_PARTS = ['a', 'user-42', 'é', '用户', '😀', ' ', ',', '"', '\n', '\r', '\r\n', 'x""y', ''];
const LINE_ENDS = ['\n', '\r\n', '\r'];

function randomCsv(next: () => number): string {
	const pick = <T>(values: T[]) => values[Math.floor(next() * values.length)];
	const width = 1 + Math.floor(next() * 4);
	const rows: string[] = [];
	const rowCount = Math.floor(next() * 8);
	for (let row = 0; row <= rowCount; row++) {
		// Mostly full rows; sometimes short or long ones, and blank lines.
		if (row > 0 && next() < 0.1) {
			rows.push('');
			continue;
		}
		const fields = row > 0 && next() < 0.15 ? 1 + Math.floor(next() * 6) : width;
		const cells: string[] = [];
		for (let field = 0; field < fields; field++) {
			let value = '';
			for (let part = Math.floor(next() * 3); part > 0; part--) value += pick(TEXT_PARTS);
			const plain = !/[",\r\n]/.test(value);
			cells.push(plain && next() < 0.5 ? value : `"${value.replace(/"/g, '""')}"`);
		}
		rows.push(cells.join(','));
	}
	let csv = rows.map((row) => row + pick(LINE_ENDS)).join('');
	if (next() < 0.3) csv = csv.replace(/(\r\n|\r|\n)$/, '');
	// Sometimes a file cut anywhere (inside quotes, between fields, inside a multi-byte character's text).
	if (next() < 0.15) {
		let cut = Math.floor(next() * (csv.length + 1));
		if (/[\uD800-\uDBFF]/.test(csv.charAt(cut - 1))) cut--;
		csv = csv.slice(0, cut);
	}
	if (next() < 0.1) csv = `\uFEFF${csv}`;
	return csv;
}

async function* randomPieces(bytes: Uint8Array, next: () => number): AsyncGenerator<Uint8Array> {
	let at = 0;
	while (at < bytes.length) {
		const size = next() < 0.3 ? 1 : 1 + Math.floor(next() * 12);
		yield bytes.subarray(at, at + size);
		at += size;
	}
}

type Row = { values: string[]; fieldCount: number; line: number };
type Ending = { kind: CsvEnd['kind']; line?: number };
type Outcome = { rows: Row[]; error?: string; ending?: Ending };

const OPEN_QUOTE = 'Quoted field not closed before the end of the input (is the file truncated?)';

/**
 * The reference: the whole text at once, a character at a time. Line numbers count CR, LF and CRLF
 * between rows, and only LF inside quotes (as an editor shows a CRLF or a LF).
 */
function reference(csv: string, columns: (header: string[]) => number[]): Outcome {
	const text = csv.startsWith('\uFEFF') ? csv.slice(1) : csv;
	const outcome: Outcome = { rows: [] };
	const isDelimiter = (char: string | undefined) => char === ',' || char === '\r' || char === '\n';
	let chosen: number[] | undefined;
	let width = 0;
	let line = 1;
	let i = 0;
	while (i < text.length) {
		if (text[i] === '\n' || text[i] === '\r') {
			i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
			line++;
			continue;
		}
		const rowLine = line;
		const fields: string[] = [];
		for (;;) {
			let value = '';
			if (text[i] === '"') {
				i++;
				for (;;) {
					if (i >= text.length) {
						outcome.error = `${OPEN_QUOTE} (line ${rowLine}) @${rowLine}`;
						outcome.ending = { kind: 'openQuote', line: rowLine };
						return outcome;
					}
					if (text[i] === '"' && text[i + 1] === '"') {
						value += '"';
						i += 2;
					} else if (text[i] === '"') {
						i++;
						break;
					} else {
						if (text[i] === '\n') line++;
						value += text[i++];
					}
				}
				if (i < text.length && !isDelimiter(text[i])) {
					outcome.error = `Unexpected character ${JSON.stringify(text[i])} after a closing quote (line ${rowLine}) @${rowLine}`;
					return outcome;
				}
			} else {
				while (i < text.length && !isDelimiter(text[i])) value += text[i++];
			}
			fields.push(value);
			if (text[i] === ',') {
				i++;
				continue;
			}
			break;
		}
		if (i < text.length) {
			i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
			line++;
		} else {
			outcome.ending = { kind: 'unterminated', line: rowLine };
		}
		if (!chosen) {
			chosen = columns(fields);
			width = fields.length;
			outcome.rows.push({ values: fields, fieldCount: fields.length, line: rowLine });
		} else {
			const values = chosen.map((column) => (column < width ? (fields[column] ?? '') : ''));
			outcome.rows.push({ values, fieldCount: fields.length, line: rowLine });
		}
	}
	outcome.ending ??= { kind: 'lineBreak' };
	return outcome;
}

async function viaReadCsvColumns(bytes: Uint8Array, seed: number, columns: (header: string[]) => number[]): Promise<Outcome> {
	const outcome: Outcome = { rows: [] };
	try {
		await readCsvColumns(
			randomPieces(bytes, random(seed)),
			(header, line) => {
				outcome.rows.push({ values: [...header], fieldCount: header.length, line });
				return columns(header);
			},
			(values, fieldCount, line) => outcome.rows.push({ values: [...values], fieldCount, line }),
		);
	} catch (error) {
		if (!(error instanceof CsvFormatError)) throw error;
		outcome.error = `${error.message} @${error.line}`;
	}
	return outcome;
}

/** A raw field read as the reader would have given it as text. */
function rawText({ bytes, start, end, escaped }: RawField): string {
	const text = bytes.toString('utf8', start, end);
	return escaped ? text.replace(/""/g, '"') : text;
}

/** Push and end by hand: the ending is reported, and the held last record comes only when accepted. */
async function viaPushAndEnd(
	bytes: Uint8Array,
	seed: number,
	columns: (header: string[]) => number[],
	options: ColumnReaderOptions,
): Promise<Omit<Outcome, 'error'>> {
	const outcome: Omit<Outcome, 'error'> = { rows: [] };
	const reader = new CsvColumnReader(
		(header, line) => {
			outcome.rows.push({ values: [...header], fieldCount: header.length, line });
			return columns(header);
		},
		(values, fieldCount, line, raw) => {
			const shown = [...values];
			raw?.forEach((field, position) => {
				expect(values[position]).toBe('');
				if (field.escaped) expect(field.quoted).toBe(true);
				shown[position] = rawText(field);
			});
			outcome.rows.push({ values: shown, fieldCount, line });
		},
		options,
	);
	for await (const piece of randomPieces(bytes, random(seed))) reader.push(piece);
	const rowsBeforeEnd = outcome.rows.length;
	const ending = reader.end();
	if (ending.kind === 'unterminated') {
		const given = outcome.rows.length;
		reader.accept(ending.record);
		// Held until accepted, then given whole.
		expect(outcome.rows.length).toBe(given + 1);
		expect(outcome.rows[given].line).toBe(ending.record.line);
		outcome.ending = { kind: 'unterminated', line: ending.record.line };
	} else {
		outcome.ending = ending.kind === 'openQuote' ? { kind: 'openQuote', line: ending.line } : { kind: 'lineBreak' };
	}
	expect(outcome.rows.length).toBeGreaterThanOrEqual(rowsBeforeEnd);
	return outcome;
}

const allColumns = (header: string[]) => header.map((_, index) => index);
// Out of order, and one column twice (an attribute column may be the id column).
const lastThenFirst = (header: string[]) => [header.length - 1, 0, 0];

describe('readCsvColumns', () => {
	it('gives the rows, lines, values, errors and ending the reference parser gives, on 3,000 random CSVs in random pieces', async () => {
		const next = random(20261128);
		let unterminated = 0;
		let openQuotes = 0;
		for (let round = 0; round < 3000; round++) {
			const csv = randomCsv(next);
			const bytes = new TextEncoder().encode(csv);
			const seed = round + 1;
			for (const columns of [allColumns, lastThenFirst]) {
				const expected = reference(csv, columns);
				const got = await viaReadCsvColumns(bytes, seed + 7, columns);
				const { ending, ...expectedRowsAndError } = expected;
				if (JSON.stringify(got) !== JSON.stringify(expectedRowsAndError)) {
					// Show the input with the difference.
					expect({ csv, got }).toEqual({ csv, got: expectedRowsAndError });
				}
				if (expected.error !== undefined && ending?.kind !== 'openQuote') continue;
				// Values as slices of the text (what the Amplitude export reader asks for) half of the time; the
				// first column as bytes (what Upsert asks for) a third of the time, every column (what the CSV
				// File output asks for) another third.
				const raw = (['firstColumn', 'allColumns', undefined] as const)[round % 3];
				const options: ColumnReaderOptions = { slices: round % 2 === 0, raw };
				const pushed = await viaPushAndEnd(bytes, seed + 11, columns, options);
				const expectedPushed = { rows: expected.rows, ending };
				if (JSON.stringify(pushed) !== JSON.stringify(expectedPushed)) expect({ csv, pushed }).toEqual({ csv, pushed: expectedPushed });
				if (ending?.kind === 'unterminated') unterminated++;
				if (ending?.kind === 'openQuote') openQuotes++;
			}
		}
		// The random files cover every way of ending.
		expect(unterminated).toBeGreaterThan(100);
		expect(openQuotes).toBeGreaterThan(50);
	});

	it('reports malformed input as the reference does', async () => {
		const cases = ['a,b\n"x"y,1\n', 'a\n"open\n1\n', 'a,b\n1,2\n"3" ,"4"\n', 'a\n"😀"😀\n', 'a\n""\n"x""'];
		for (const csv of cases) {
			const bytes = new TextEncoder().encode(csv);
			const expected = reference(csv, allColumns);
			expect(expected.error).toBeDefined();
			delete expected.ending;
			expect(await viaReadCsvColumns(bytes, 2, allColumns)).toEqual(expected);
		}
	});

	it('reads a field far longer than the pieces', async () => {
		const long = 'x'.repeat(300_000);
		const csv = `id,note\n1,"${long}\n${long}"\n2,short\n`;
		const rows: string[][] = [];
		async function* pieces() {
			const bytes = Buffer.from(csv);
			for (let at = 0; at < bytes.length; at += 1000) yield bytes.subarray(at, at + 1000);
		}
		await readCsvColumns(pieces(), () => [1, 0], (values, _count, line) => rows.push([...values, String(line)]));
		expect(rows).toEqual([
			[`${long}\n${long}`, '1', '2'],
			['short', '2', '4'],
		]);
	});

	it('reads nothing, and calls nothing, from an empty input', async () => {
		const calls: string[] = [];
		async function* none() {}
		await readCsvColumns(none(), () => (calls.push('header'), []), () => calls.push('row'));
		expect(calls).toEqual([]);
	});
});

describe('slices: a piece that is not all ASCII', () => {
	it('reads a non-ASCII quoted value as UTF-8 wherever it sits in the piece, at any alignment of the piece in memory', () => {
		// The fast path for all-ASCII pieces checks the bytes four at a time where aligned, one at a time at both ends.
		for (let offset = 0; offset < 4; offset++) {
			for (let padding = 0; padding < 9; padding++) {
				// Without a last line break, the value's two bytes can be the piece's last three but one.
				const csv = `"id","name"\n"${'x'.repeat(padding)}","é"${padding % 2 === 0 ? '\n' : ''}`;
				const memory = Buffer.alloc(offset + Buffer.byteLength(csv) + 4);
				memory.write(csv, offset);
				const piece = memory.subarray(offset, offset + Buffer.byteLength(csv));
				const rows: string[][] = [];
				const reader = new CsvColumnReader(
					(header) => header.map((_, index) => index),
					(values) => rows.push([...values]),
					{ slices: true },
				);
				reader.push(piece);
				reader.finish();
				expect({ offset, padding, rows }).toEqual({ offset, padding, rows: [['x'.repeat(padding), 'é']] });
			}
		}
	});
});

describe('CsvColumnReader.end', () => {
	function read(csv: string) {
		const calls: string[] = [];
		const reader = new CsvColumnReader(
			(header, line) => (calls.push(`header ${header.join('|')} @${line}`), [1, 0]),
			(values, fieldCount, line) => calls.push(`row ${values.join('|')} (${fieldCount}) @${line}`),
		);
		for (const byte of Buffer.from(csv)) reader.push(Uint8Array.of(byte));
		return { reader, calls, ending: reader.end() };
	}

	it('says the input ended after a line break, whatever the line break and blank lines after it', () => {
		for (const csv of ['a,b\n1,2\n', 'a,b\r\n1,2\r\n', 'a,b\r1,2\r', 'a,b\n1,2\n\n\r\n', '', '\n']) {
			expect(read(csv).ending).toEqual({ kind: 'lineBreak' });
		}
	});

	it('holds back a last record without a line break until it is accepted', () => {
		const { reader, calls, ending } = read('a,b\n1,2\n"3","x\ny"');
		expect(calls).toEqual(['header a|b @1', 'row 2|1 (2) @2']);
		expect(ending).toEqual({ kind: 'unterminated', record: { header: false, fields: ['x\ny', '3'], fieldCount: 2, line: 3 } });
		if (ending.kind === 'unterminated') reader.accept(ending.record);
		expect(calls[2]).toBe('row x\ny|3 (2) @3');
	});

	it('holds back a header without a line break, and a record cut between two fields', () => {
		const header = read('"a","b"');
		expect(header.calls).toEqual([]);
		expect(header.ending).toEqual({ kind: 'unterminated', record: { header: true, fields: ['a', 'b'], fieldCount: 2, line: 1 } });
		if (header.ending.kind === 'unterminated') header.reader.accept(header.ending.record);
		expect(header.calls).toEqual(['header a|b @1']);
		expect(read('a,b\n1,2\n"3",').ending).toMatchObject({ kind: 'unterminated', record: { fields: ['', '3'], fieldCount: 2, line: 3 } });
		expect(read('a,b\n1,2\n"3"').ending).toMatchObject({ kind: 'unterminated', record: { fieldCount: 1, line: 3 } });
	});

	it('says where a quoted field was left open, and gives nothing of that record', () => {
		const { calls, ending } = read('a,b\n1,2\n\n"3","tr\nunc');
		expect(ending).toEqual({ kind: 'openQuote', line: 4 });
		expect(calls).toEqual(['header a|b @1', 'row 2|1 (2) @2']);
	});
});
