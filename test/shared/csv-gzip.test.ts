/** Gzip detection by magic bytes, with the global DecompressionStream. */
import { gzipSync } from 'node:zlib';

import { gunzipIfCompressed } from '../../nodes/shared/csv';
import { readCsvRecords } from '../harness/csv-records';

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
	for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function text(source: AsyncIterable<Uint8Array>): Promise<string> {
	const parts: Buffer[] = [];
	for await (const part of source) parts.push(Buffer.from(part));
	return Buffer.concat(parts).toString('utf8');
}

const csv = '"amplitude_id","user_id"\n' + Array.from({ length: 5000 }, (_, i) => `"${i}","user-${i}"\n`).join('');

describe('gunzipIfCompressed', () => {
	it('inflates gzip bytes, whatever the chunk size (even 1 byte)', async () => {
		const gz = gzipSync(csv);
		for (const size of [1, 2, 7, 1024, gz.length]) expect(await text(gunzipIfCompressed(chunked(gz, size)))).toBe(csv);
	});

	it('passes plain bytes through untouched', async () => {
		const plain = Buffer.from(csv);
		expect(await text(gunzipIfCompressed(chunked(plain, 1)))).toBe(csv);
		expect(await text(gunzipIfCompressed(chunked(plain, 999)))).toBe(csv);
		expect(await text(gunzipIfCompressed(chunked(Buffer.from('x'), 1)))).toBe('x');
		expect(await text(gunzipIfCompressed(chunked(Buffer.alloc(0), 1)))).toBe('');
	});

	it('fails on a truncated gzip body instead of returning part of the file silently', async () => {
		const gz = gzipSync(csv);
		await expect(text(gunzipIfCompressed(chunked(gz.subarray(0, gz.length - 100), 512)))).rejects.toThrow();
	});

	it('passes an error of the input through', async () => {
		async function* failing(): AsyncGenerator<Uint8Array> {
			yield gzipSync(csv).subarray(0, 100);
			throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
		}
		await expect(text(gunzipIfCompressed(failing()))).rejects.toMatchObject({ code: 'ECONNRESET' });
	});

	it('stops reading its input when the reader stops early', async () => {
		let closed = false;
		async function* endless(): AsyncGenerator<Uint8Array> {
			try {
				const gz = gzipSync(csv);
				for (;;) yield gz;
			} finally {
				closed = true;
			}
		}
		for await (const record of readCsvRecords(gunzipIfCompressed(endless()))) {
			expect(record.amplitude_id).toBe('0');
			break;
		}
		expect(closed).toBe(true);
	});
});
