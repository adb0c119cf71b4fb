/**
 * The byte-level column reader against the text parser: on random nasty CSVs cut into random pieces
 * (splitting multi-byte characters and CRLFs), both must give the same rows, lines and errors.
 */
import { CsvFormatError, readCsvRows } from '../../nodes/shared/csv';
import { readCsvColumns } from '../../nodes/shared/csv/column-reader';

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

type Outcome = { rows: Array<{ values: string[]; fieldCount: number; line: number }>; error?: string };

async function viaTextParser(bytes: Uint8Array, seed: number, columns: (header: string[]) => number[]): Promise<Outcome> {
	const outcome: Outcome = { rows: [] };
	let chosen: number[] | undefined;
	try {
		for await (const { fields, line } of readCsvRows(randomPieces(bytes, random(seed)))) {
			if (!chosen) {
				chosen = columns(fields);
				outcome.rows.push({ values: fields, fieldCount: fields.length, line });
				continue;
			}
			outcome.rows.push({ values: chosen.map((column) => fields[column] ?? ''), fieldCount: fields.length, line });
		}
	} catch (error) {
		if (!(error instanceof CsvFormatError)) throw error;
		outcome.error = `${error.message} @${error.line}`;
	}
	return outcome;
}

async function viaColumnReader(bytes: Uint8Array, seed: number, columns: (header: string[]) => number[]): Promise<Outcome> {
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

const allColumns = (header: string[]) => header.map((_, index) => index);
// Out of order, and one column twice (an attribute column may be the id column).
const lastThenFirst = (header: string[]) => [header.length - 1, 0, 0];

describe('readCsvColumns', () => {
	it('gives the rows, lines and values the text parser gives, on 3,000 random CSVs in random pieces', async () => {
		const next = random(20261128);
		for (let round = 0; round < 3000; round++) {
			const csv = randomCsv(next);
			const bytes = new TextEncoder().encode(csv);
			const seed = round + 1;
			for (const columns of [allColumns, lastThenFirst]) {
				const expected = await viaTextParser(bytes, seed, columns);
				const got = await viaColumnReader(bytes, seed + 7, columns);
				if (JSON.stringify(got) !== JSON.stringify(expected)) {
					// Show the input with the difference.
					expect({ csv, got }).toEqual({ csv, got: expected });
				}
			}
		}
	});

	it('reports malformed input as the text parser does', async () => {
		const cases = ['a,b\n"x"y,1\n', 'a\n"open\n1\n', 'a,b\n1,2\n"3" ,"4"\n', 'a\n"😀"😀\n', 'a\n""\n"x""'];
		for (const csv of cases) {
			const bytes = new TextEncoder().encode(csv);
			const expected = await viaTextParser(bytes, 1, allColumns);
			expect(expected.error).toBeDefined();
			expect(await viaColumnReader(bytes, 2, allColumns)).toEqual(expected);
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
