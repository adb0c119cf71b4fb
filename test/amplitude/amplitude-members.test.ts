/** Reading the export file: header names, truncated and malformed files, cut downloads, cohort fields. */
import { gzipSync } from 'node:zlib';

import { CsvFormatError } from '../../nodes/shared/csv';
import { epochToIso, filterCohorts, simplifyCohort } from '../../nodes/Amplitude/helpers/cohortFields';
import { cleanPropertyName, readExportMembers, type MemberRows } from '../../nodes/Amplitude/helpers/members';
import { DownloadIncompleteError } from '../../nodes/Amplitude/transport/download-guard';
import { rowsOf } from './member-rows';

async function* body(...chunks: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
	for (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

async function readAll(options: Parameters<typeof readExportMembers>[0]) {
	const groups: MemberRows[] = [];
	for await (const group of readExportMembers(options)) groups.push(group);
	return {
		columns: groups[0]?.columns,
		rows: groups.flatMap(rowsOf),
	};
}

const noReopen = async () => {
	throw new Error('no reopen expected');
};

describe('readExportMembers', () => {
	it('finds the id columns and cleans gp: property names, in any column order', async () => {
		const { columns, rows } = await readAll({
			first: body('"gp:plan","user_id","amplitude_id","Country"\n"pro","u1","1","FR"\n'),
			reopen: noReopen,
			maxRestarts: 0,
		});
		expect(columns).toMatchObject({ amplitudeId: 2, userId: 1, width: 4 });
		expect(columns?.properties).toEqual([
			{ index: 0, name: 'plan' },
			{ index: 3, name: 'Country' },
		]);
		expect(rows).toEqual([['pro', 'u1', '1', 'FR']]);
		expect(cleanPropertyName('GP:city')).toBe('city');
	});

	it('with userIdOnly, keeps the user_id column alone, and still checks every row has all the fields', async () => {
		const file = '"gp:plan","user_id","amplitude_id"\n"pro","u1","1"\n"free","","2"\n"team","u3","3"';
		const { columns, rows } = await readAll({ first: body(file, '\n'), reopen: noReopen, maxRestarts: 0, userIdOnly: true });
		expect(columns).toEqual({ amplitudeId: -1, userId: 0, properties: [], width: 1 });
		expect(rows).toEqual([['u1'], [''], ['u3']]);

		const short = readAll({ first: body('"amplitude_id","user_id"\n"1","a"\n"2"\n'), reopen: noReopen, maxRestarts: 0, userIdOnly: true });
		await expect(short).rejects.toThrow('Expected 2 fields but found 1: the file is truncated or malformed (line 3)');
	});

	it('reports a file cut inside a quoted field, with its line, as an incomplete download', async () => {
		const error = await readAll({
			first: body('"amplitude_id","user_id"\n"1","a"\n"2","b"\n"3","tru'),
			reopen: noReopen,
			maxRestarts: 0,
		}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(DownloadIncompleteError);
		expect((error as Error).message).toBe('the file ends inside a quoted field (line 4)');
	});

	it('reports a row with missing fields with its line', async () => {
		const error = await readAll({
			first: body('"amplitude_id","user_id","plan"\n"1","a","x"\n"2","b"\n'),
			reopen: noReopen,
			maxRestarts: 0,
		}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(CsvFormatError);
		expect((error as CsvFormatError).message).toBe(
			'Expected 3 fields but found 2: the file is truncated or malformed (line 3)',
		);
	});

	it('refuses a file without the id columns', async () => {
		await expect(readAll({ first: body('"a","b"\n"1","2"\n'), reopen: noReopen, maxRestarts: 0 })).rejects.toThrow(
			/no amplitude_id column/,
		);
	});

	it('reports a truncated gzip file instead of returning part of it', async () => {
		const gz = gzipSync('"amplitude_id","user_id"\n' + '"1","user"\n'.repeat(10_000));
		await expect(
			readAll({ first: body(gz.subarray(0, gz.length - 50)), reopen: noReopen, maxRestarts: 0 }),
		).rejects.toThrow();
	});

	it('after a cut connection, downloads again and skips the rows already delivered', async () => {
		const file = '"amplitude_id","user_id"\n' + Array.from({ length: 100 }, (_, i) => `"${i}","u${i}"\n`).join('');
		async function* cut(): AsyncGenerator<Uint8Array> {
			yield Buffer.from(file.slice(0, 300));
			throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
		}
		let reopened = 0;
		const restarts: number[] = [];
		const { rows } = await readAll({
			first: cut(),
			reopen: async () => {
				reopened++;
				return body(gzipSync(file));
			},
			maxRestarts: 3,
			onRestart: (delivered) => restarts.push(delivered),
		});
		expect(rows.map((row) => row[0])).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
		expect(reopened).toBe(1);
		expect(restarts[0]).toBeGreaterThan(0);
	});

	it('gives up after the allowed number of restarts', async () => {
		const failing = async function* (): AsyncGenerator<Uint8Array> {
			yield Buffer.from('"amplitude_id","user_id"\n"1","a"\n');
			throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
		};
		await expect(readAll({ first: failing(), reopen: async () => failing(), maxRestarts: 2 })).rejects.toMatchObject({
			code: 'ECONNRESET',
		});
	});

	it('reports progress every N rows', async () => {
		const seen: number[] = [];
		const lines = Array.from({ length: 25 }, (_, i) => `"${i}","u"\n`);
		await readAll({
			first: body('"amplitude_id","user_id"\n', ...lines),
			reopen: noReopen,
			maxRestarts: 0,
			progressEvery: 10,
			onProgress: (rows) => seen.push(rows),
		});
		expect(seen).toEqual([10, 20]);
	});
});

describe('cohort fields', () => {
	it('reads epoch seconds and milliseconds (numbers or strings) and date strings', () => {
		expect(epochToIso(1717200000)).toBe('2024-06-01T00:00:00.000Z');
		expect(epochToIso(1717200000000)).toBe('2024-06-01T00:00:00.000Z');
		expect(epochToIso('1717200000')).toBe('2024-06-01T00:00:00.000Z');
		expect(epochToIso('2024-06-01T00:00:00Z')).toBe('2024-06-01T00:00:00.000Z');
		expect(epochToIso(null)).toBeNull();
		expect(epochToIso('soon')).toBeNull();
	});

	it('simplifies a cohort with nulls and filters by flags and name', () => {
		expect(simplifyCohort({ id: 'x', name: 'X', size: null, owners: null, lastComputed: null })).toEqual({
			id: 'x',
			name: 'X',
			size: 0,
			lastComputed: null,
			archived: false,
			owners: [],
		});
		const cohorts = [
			{ id: 'a', name: 'Alpha', archived: true, finished: true, published: true },
			{ id: 'b', name: 'Beta', finished: false, published: true },
			{ id: 'c', name: 'alphabet', finished: true, published: false },
		];
		expect(filterCohorts(cohorts, {}).map((c) => c.id)).toEqual(['b', 'c']);
		expect(filterCohorts(cohorts, { nameContains: 'ALPHA', includeArchived: true }).map((c) => c.id)).toEqual(['a', 'c']);
		expect(filterCohorts(cohorts, { onlyFinished: true }).map((c) => c.id)).toEqual(['c']);
		expect(filterCohorts(cohorts, { onlyPublished: true }).map((c) => c.id)).toEqual(['b']);
	});
});
