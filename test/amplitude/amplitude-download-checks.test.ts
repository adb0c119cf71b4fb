/**
 * The download checks without HTTP: the idle timeout and Content-Length guard, where a redirect may
 * lead, and the reader's rules for the end of a file (complete record, line break, earlier downloads,
 * the listing's member count).
 */
import { gzipSync } from 'node:zlib';

import { readExportMembers, type MemberRows } from '../../nodes/Amplitude/helpers/members';
import { DownloadIncompleteError, guardDownload } from '../../nodes/Amplitude/transport/download-guard';
import { checkDownloadRedirect } from '../../nodes/Amplitude/transport/redirect-policy';
import { rowsOf } from './member-rows';

async function* body(...chunks: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
	for (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

async function drain(source: AsyncIterable<Uint8Array>, perChunk?: () => Promise<void>): Promise<number> {
	let bytes = 0;
	for await (const chunk of source) {
		bytes += chunk.length;
		await perChunk?.();
	}
	return bytes;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('guardDownload', () => {
	it('gives up a source that stops sending, closes it, and says after how many bytes', async () => {
		let aborted = 0;
		let returned = false;
		const stalled: AsyncIterable<Uint8Array> = {
			[Symbol.asyncIterator]() {
				let sent = false;
				return {
					next: async () => {
						if (!sent) {
							sent = true;
							return { done: false, value: Buffer.from('abc') };
						}
						return await new Promise<IteratorResult<Uint8Array>>(() => undefined);
					},
					return: async () => {
						returned = true;
						return { done: true, value: undefined };
					},
				};
			},
		};
		const started = Date.now();
		const error = await drain(guardDownload(stalled, { idleTimeoutMs: 200, abort: () => aborted++ })).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(DownloadIncompleteError);
		expect((error as Error).message).toBe('the download stopped: no data for 0.2 s after 3 bytes');
		expect(Date.now() - started).toBeLessThan(5000);
		expect(aborted).toBe(1);
		expect(returned).toBe(true);
	});

	it('does not count the time the consumer takes as idleness', async () => {
		const source = body('a', 'b', 'c', 'd');
		const bytes = await drain(guardDownload(source, { idleTimeoutMs: 100 }), async () => await pause(150));
		expect(bytes).toBe(4);
	});

	it('compares raw gzip bytes with Content-Length', async () => {
		const gz = gzipSync('"amplitude_id","user_id"\n"1","a"\n');
		await expect(drain(guardDownload(body(gz), { idleTimeoutMs: 1000, contentLength: gz.length }))).resolves.toBe(gz.length);
		await expect(drain(guardDownload(body(gz.subarray(0, 10)), { idleTimeoutMs: 1000, contentLength: gz.length }))).rejects.toThrow(
			`the download ended after 10 of the ${gz.length} bytes announced`,
		);
	});

	it('does not compare a body the HTTP client may have inflated (its length is not the wire length)', async () => {
		await expect(drain(guardDownload(body('"amplitude_id","user_id"\n'), { idleTimeoutMs: 1000, contentLength: 45 }))).resolves.toBe(25);
	});
});

describe('checkDownloadRedirect', () => {
	const from = 'https://amplitude.com/api/5/cohorts/request/r1/file';

	it.each([
		['https S3 link', 'https://bucket.s3.us-west-2.amazonaws.com/a.csv.gz?X-Amz-Signature=abc', undefined, true],
		['relative https path', '/files/a.csv', undefined, true],
		['plain http elsewhere', 'http://evil.example/a.csv', undefined, false],
		['file URL', 'file:///etc/passwd', undefined, false],
		['ftp URL', 'ftp://example.com/a.csv', undefined, false],
		['credentials in the URL', 'https://user:pw@example.com/a.csv', undefined, false],
		['custom base URL own host over http', 'http://127.0.0.1:8101/s3/a.csv', 'http://127.0.0.1:8101', true],
		['custom base URL, another port', 'http://127.0.0.1:9999/s3/a.csv', 'http://127.0.0.1:8101', false],
		['custom base URL, another host', 'http://evil.example/s3/a.csv', 'http://127.0.0.1:8101', false],
	])('%s', (_name, location, customBaseUrl, allowed) => {
		expect(checkDownloadRedirect(location, customBaseUrl ? `${customBaseUrl}/api/5/x/file` : from, customBaseUrl).allowed).toBe(allowed);
	});

	it('never shows the link signature in its reason', () => {
		const verdict = checkDownloadRedirect('http://evil.example/a.csv?X-Amz-Signature=secret', from);
		expect(verdict).toEqual({ allowed: false, reason: 'it leads to http://evil.example/a.csv: only https links are followed' });
	});
});

async function readAll(options: Parameters<typeof readExportMembers>[0]): Promise<string[][]> {
	const rows: string[][] = [];
	for await (const group of readExportMembers(options) as AsyncIterable<MemberRows>) rows.push(...rowsOf(group));
	return rows;
}

const header = '"amplitude_id","user_id"\n';
const file = header + Array.from({ length: 10 }, (_, i) => `"${i}","u${i}"\n`).join('');

describe('the end of an export file', () => {
	it('a last record without a line break is read twice and taken when both downloads end on it', async () => {
		const unterminated = file.slice(0, -1);
		let reopened = 0;
		const rows = await readAll({
			first: body(unterminated),
			reopen: async () => {
				reopened++;
				return body(unterminated);
			},
			maxRestarts: 3,
		});
		expect(rows).toHaveLength(10);
		expect(reopened).toBe(1);
	});

	it('a last record without a line break that the next download continues was a cut', async () => {
		const cutAfterAField = file.slice(0, file.indexOf('"4","u4"') + '"4","u4"'.length);
		const rows = await readAll({ first: body(cutAfterAField), reopen: async () => body(file), maxRestarts: 3 });
		expect(rows.map((row) => row[0])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
	});

	it('a download that ends cleanly before the rows an earlier download gave is not taken as the end', async () => {
		async function* cutByTheNetwork(): AsyncGenerator<Uint8Array> {
			yield Buffer.from(file.slice(0, file.indexOf('"6"')));
			throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
		}
		const shorter = file.slice(0, file.indexOf('"3"'));
		const opened = [body(shorter), body(file)];
		const rows = await readAll({ first: cutByTheNetwork(), reopen: async () => opened.shift()!, maxRestarts: 3 });
		expect(rows).toHaveLength(10);
		expect(opened).toHaveLength(0);
	});

	it('an empty body is not an empty cohort', async () => {
		await expect(readAll({ first: body(''), reopen: async () => body(''), maxRestarts: 1 })).rejects.toThrow(
			'the file is empty: not even the header row came',
		);
	});

	it('a file with fewer members than the listing announces is downloaded again to confirm', async () => {
		const short = file.slice(0, file.indexOf('"5"'));
		let reopened = 0;
		const whole = await readAll({
			first: body(short),
			reopen: async () => {
				reopened++;
				return body(file);
			},
			maxRestarts: 3,
			expectedRows: 10,
		});
		expect(whole).toHaveLength(10);
		expect(reopened).toBe(1);
	});

	it('gives up with the reason when every download is cut', async () => {
		const cut = file.slice(0, file.indexOf('"5"') + 3);
		await expect(readAll({ first: body(cut), reopen: async () => body(cut), maxRestarts: 2 })).rejects.toThrow(
			/^the file ends inside a record \(line 7: 1 of 2 fields\)$/,
		);
	});
});
