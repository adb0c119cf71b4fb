/**
 * Streams opened for a binary CSV are closed on every way out: a missing column, a malformed row, a
 * consumer that stops early, and the normal end. Counted on real file streams (fs.createReadStream).
 */
import { createReadStream, mkdtempSync, writeFileSync, type ReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readMembers } from '../../nodes/Batch/actions/audience/read-members';
import { gunzipIfCompressed, readCsvColumns } from '../../nodes/shared/csv';
import { MemberCollector } from '../../nodes/Batch/sync/member-collector';

const folder = mkdtempSync(path.join(tmpdir(), 'csv-closing-'));
const csv = 'user_id,plan\n' + Array.from({ length: 50_000 }, (_, i) => `u${i},pro\n`).join('');
const plainFile = path.join(folder, 'members.csv');
const gzipFile = path.join(folder, 'members.csv.gz');
writeFileSync(plainFile, csv);
writeFileSync(gzipFile, gzipSync(csv));

/** A minimal context for the "A CSV File (Binary)" source: each item's file is opened as a real stream. */
function csvContext(file: string, column: string, opened: ReadStream[]): IExecuteFunctions {
	const parameters: Record<string, unknown> = { identifierSource: 'binaryCsv', binaryPropertyName: 'data', csvColumn: column };
	return {
		getNode: () => ({ name: 'Batch', type: 'batch', typeVersion: 1, position: [0, 0], parameters: {} }),
		getNodeParameter: (name: string, _index: number, fallback?: unknown) => parameters[name] ?? fallback,
		helpers: {
			assertBinaryData: () => ({ id: 'filesystem-v2:x', data: '', mimeType: 'text/csv' }),
			getBinaryStream: async () => {
				// Small pieces, so the reader is still mid-file when it stops.
				const stream = createReadStream(file, { highWaterMark: 4096 });
				opened.push(stream);
				return stream;
			},
		},
	} as unknown as IExecuteFunctions;
}

const items: INodeExecutionData[] = [{ json: {}, binary: { data: { data: '', mimeType: 'text/csv' } } }];

async function settle(): Promise<void> {
	await new Promise((resolve) => setImmediate(resolve));
}

describe.each([
	['plain', plainFile],
	['gzip', gzipFile],
])('a %s CSV file read as a stream', (_kind, file) => {
	it('is closed when the column is missing, 20 runs out of 20', async () => {
		const opened: ReadStream[] = [];
		for (let run = 0; run < 20; run++) {
			await expect(readMembers(csvContext(file, 'email', opened), items, new MemberCollector(), { attributes: false, tags: false })).rejects.toThrow(
				/no column "email"/,
			);
		}
		await settle();
		expect(opened).toHaveLength(20);
		expect(opened.filter((stream) => !stream.destroyed)).toHaveLength(0);
	});

	it('is closed when a row is malformed half-way', async () => {
		const opened: ReadStream[] = [];
		const ctx = csvContext(file, 'user_id', opened);
		const collector = new MemberCollector();
		let rows = 0;
		// Ids come as bytes (addUtf8), or as text when they need a look (add).
		const failAfter = Object.assign(collector, {
			add: (...args: Parameters<MemberCollector['add']>) => {
				if (++rows === 1000) throw new Error('stop here');
				return MemberCollector.prototype.add.apply(collector, args);
			},
			addUtf8: (...args: Parameters<MemberCollector['addUtf8']>) => {
				if (++rows === 1000) throw new Error('stop here');
				return MemberCollector.prototype.addUtf8.apply(collector, args);
			},
		});
		await expect(readMembers(ctx, items, failAfter, { attributes: false, tags: false })).rejects.toThrow(/stop here/);
		await settle();
		expect(opened.filter((stream) => !stream.destroyed)).toHaveLength(0);
	});

	it('is closed after a complete read', async () => {
		const opened: ReadStream[] = [];
		const collector = new MemberCollector();
		await readMembers(csvContext(file, 'user_id', opened), items, collector, { attributes: false, tags: false });
		await settle();
		expect(opened.filter((stream) => !stream.destroyed)).toHaveLength(0);
	});
});

it('gunzipIfCompressed closes its source when the consumer stops at the first chunk', async () => {
	for (const file of [plainFile, gzipFile]) {
		const stream = createReadStream(file, { highWaterMark: 1024 });
		await expect(
			readCsvColumns(gunzipIfCompressed(stream), () => {
				throw new Error('header refused');
			}, () => undefined),
		).rejects.toThrow('header refused');
		await settle();
		expect(stream.destroyed).toBe(true);
	}
});
