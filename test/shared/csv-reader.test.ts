/** The CSV reader on nasty inputs, fed whole and split at every possible byte. */
import { CsvFormatError, readCsvColumns } from '../../nodes/shared/csv';
import { readCsvRecords } from '../harness/csv-records';

async function* bytePieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
	for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const pieces = (text: string, size: number) => bytePieces(Buffer.from(text), size);

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
	const out: T[] = [];
	for await (const value of source) out.push(value);
	return out;
}

/** Every row (the header first) with all its fields and its line. */
async function readRows(chunks: AsyncIterable<Uint8Array>): Promise<Array<{ fields: string[]; line: number }>> {
	const rows: Array<{ fields: string[]; line: number }> = [];
	await readCsvColumns(
		chunks,
		(header, line) => {
			rows.push({ fields: [...header], line });
			return header.map((_, column) => column);
		},
		(values, fieldCount, line) => rows.push({ fields: values.slice(0, fieldCount), line }),
	);
	return rows;
}

const rowsOf = async (text: string, size = Buffer.byteLength(text) || 1) => (await readRows(pieces(text, size))).map((row) => row.fields);

/** Every split size gives the same rows: state carried across chunk boundaries is right. */
async function expectRowsAtEverySplit(text: string, expected: string[][]) {
	for (let size = 1; size <= Buffer.byteLength(text); size++) expect(await rowsOf(text, size)).toEqual(expected);
}

async function formatErrorOf(text: string, size = Buffer.byteLength(text)): Promise<CsvFormatError> {
	try {
		await collect(readCsvRecords(pieces(text, size)));
	} catch (error) {
		if (error instanceof CsvFormatError) return error;
		throw error;
	}
	throw new Error('expected a CsvFormatError');
}

describe('readCsvColumns, every column', () => {
	it('reads Amplitude-style quoted rows', async () => {
		await expectRowsAtEverySplit('"amplitude_id","user_id"\n"356896327775",""\n"356893815359","user-42"\n', [
			['amplitude_id', 'user_id'],
			['356896327775', ''],
			['356893815359', 'user-42'],
		]);
	});

	it('handles "" escapes, commas and newlines inside quotes', async () => {
		await expectRowsAtEverySplit('a,b\n"say ""hi""","x, y"\n"line1\nline2",""""\n', [
			['a', 'b'],
			['say "hi"', 'x, y'],
			['line1\nline2', '"'],
		]);
	});

	it('handles CRLF, lone CR, a missing final newline and blank lines', async () => {
		await expectRowsAtEverySplit('a,b\r\n1,2\r\n\r\n3,4\r5,6', [
			['a', 'b'],
			['1', '2'],
			['3', '4'],
			['5', '6'],
		]);
	});

	it('keeps CRLF inside quotes and empty fields at both ends', async () => {
		await expectRowsAtEverySplit('"x\r\ny",\n,""\n,\n', [
			['x\r\ny', ''],
			['', ''],
			['', ''],
		]);
	});

	it('strips a BOM, also from bytes split inside the BOM and inside multi-byte characters', async () => {
		expect(await rowsOf('\uFEFFid,name\n1,Zoë\n')).toEqual([
			['id', 'name'],
			['1', 'Zoë'],
		]);
		const bytes = new TextEncoder().encode('\uFEFF"id","ville"\n"1","Côte d\'Ivoire ✓"\n');
		for (let size = 1; size <= 6; size++) {
			const rows = await readRows(bytePieces(bytes, size));
			expect(rows.map((row) => row.fields)).toEqual([
				['id', 'ville'],
				['1', "Côte d'Ivoire ✓"],
			]);
		}
	});

	it('gives each row the line it starts on, counting newlines inside quotes', async () => {
		const rows = await readRows(pieces('h\n"a\nb"\n\nc\r\nd\n', 3));
		expect(rows.map((row) => [row.fields[0], row.line])).toEqual([
			['h', 1],
			['a\nb', 2],
			['c', 5],
			['d', 6],
		]);
	});

	it('accepts a stray quote inside an unquoted field as a character', async () => {
		expect(await rowsOf('a,b"c\n')).toEqual([['a', 'b"c']]);
	});

	it('reads nothing from empty input or a lone BOM', async () => {
		expect(await rowsOf('')).toEqual([]);
		expect(await rowsOf('\uFEFF')).toEqual([]);
		expect(await rowsOf('\n\n')).toEqual([]);
	});
});

describe('readCsvRecords', () => {
	it('keys rows by the header', async () => {
		const records = await collect(readCsvRecords(pieces('"id","plan"\n"1","team ""plus"""\n"2",""\n', 5)));
		expect(records).toEqual([
			{ id: '1', plan: 'team "plus"' },
			{ id: '2', plan: '' },
		]);
	});

	it('reports an unterminated quote at the end (a truncated file) with the line it started on', async () => {
		const error = await formatErrorOf('"id","user"\n"1","a"\n"2","trunc', 4);
		expect(error.line).toBe(3);
		expect(error.message).toMatch(/not closed.*line 3/);
	});

	it('reports a row with the wrong number of fields', async () => {
		const error = await formatErrorOf('"id","user"\n"1","a"\n"multi\nline","b"\n"3"\n');
		expect(error.line).toBe(5);
		expect(error.message).toMatch(/Expected 2 fields but found 1 \(line 5\)/);
	});

	it('reports garbage after a closing quote', async () => {
		const error = await formatErrorOf('a,b\n"1"x,2\n');
		expect(error.line).toBe(2);
		expect(error).toBeInstanceOf(CsvFormatError);
	});

	it('streams a large input without trouble', async () => {
		async function* many(): AsyncGenerator<Uint8Array> {
			yield Buffer.from('"amplitude_id","user_id"\n');
			for (let block = 0; block < 100; block++) {
				let text = '';
				for (let row = 0; row < 1000; row++) text += `"${block * 1000 + row}","u-${row}"\n`;
				yield Buffer.from(text);
			}
		}
		let count = 0;
		let last: Record<string, string> | undefined;
		for await (const record of readCsvRecords(many())) {
			count++;
			last = record;
		}
		expect(count).toBe(100_000);
		expect(last).toEqual({ amplitude_id: '99999', user_id: 'u-999' });
	});
});
