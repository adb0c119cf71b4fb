/**
 * The Amplitude sandbox's download fault knobs over loopback HTTP: a body cut that still ends cleanly
 * (a gzip without its trailer, or a short well-formed file), connection-close framing, a stalled body,
 * each for the next N downloads only.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';

import { DEFAULT_COHORTS, DEFAULT_KNOBS, startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';

const SMALL = DEFAULT_COHORTS[0];
const AUTH = `Basic ${Buffer.from('sandbox-amplitude-api-key:sandbox-amplitude-secret-key').toString('base64')}`;

let sb: AmplitudeSandbox;

beforeAll(async () => {
	sb = await startAmplitudeSandbox({ knobs: { exportDurationMs: 10 } });
});
afterAll(async () => await sb.close());
beforeEach(() => {
	sb.knobs = { ...DEFAULT_KNOBS, exportDurationMs: 10 };
});

interface Raw {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
	/** 'end', 'aborted', or 'timeout' (nothing came for a while and the socket is still open). */
	outcome: string;
}

function get(path: string, waitMs = 1000): Promise<Raw> {
	return new Promise((resolve, reject) => {
		const req = http.get(new URL(path, sb.url), { agent: false, headers: { authorization: AUTH } }, (res) => {
			const parts: Buffer[] = [];
			const done = (outcome: string) => {
				clearTimeout(timer);
				resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), outcome });
			};
			const timer = setTimeout(() => {
				done('timeout');
				req.destroy();
			}, waitMs);
			res.on('data', (chunk: Buffer) => parts.push(chunk));
			res.on('end', () => done('end'));
			res.on('aborted', () => done('aborted'));
			res.on('error', () => undefined);
		});
		req.on('error', reject);
	});
}

async function readyExport(): Promise<string> {
	const started = await get(`/api/5/cohorts/request/${SMALL.id}`);
	const requestId = JSON.parse(started.body.toString()).request_id as string;
	await new Promise((resolve) => setTimeout(resolve, 30));
	return requestId;
}

const whole = async (requestId: string) => (await get(`/api/5/cohorts/request/${requestId}/file`)).body;

describe('download fault knobs', () => {
	it('cutNextDownloads: the body ends cleanly at cutAtPercent, a gzip without its trailer; the next download is whole', async () => {
		const requestId = await readyExport();
		sb.knobs.gzip = 'magic-only';
		const full = await whole(requestId);
		sb.knobs.cutNextDownloads = 1;
		sb.knobs.cutAtPercent = 50;
		const cut = await get(`/api/5/cohorts/request/${requestId}/file`);
		expect(cut.outcome).toBe('end');
		expect(cut.body.length).toBe(Math.round(full.length / 2));
		expect(cut.body.equals(full.subarray(0, cut.body.length))).toBe(true);
		expect(() => gunzipSync(cut.body)).toThrow(/unexpected end of file/);
		expect(sb.knobs.cutNextDownloads).toBe(0);
		expect((await whole(requestId)).equals(full)).toBe(true);
	});

	it('cutAtLineEnd: a short file that is well-formed (gzip with its trailer, whole lines)', async () => {
		const requestId = await readyExport();
		sb.knobs.gzip = 'magic-only';
		const full = gunzipSync(await whole(requestId)).toString();
		Object.assign(sb.knobs, { cutNextDownloads: 1, cutAtLineEnd: true, cutAtPercent: 50 });
		const text = gunzipSync((await get(`/api/5/cohorts/request/${requestId}/file`)).body).toString();
		expect(text.endsWith('\n')).toBe(true);
		expect(full.startsWith(text)).toBe(true);
		expect(text.length).toBeLessThan(full.length * 0.5 + 1);
		expect(text.length).toBeGreaterThan(full.length * 0.4);
	});

	it('downloadFraming close: no Content-Length, no chunks, the body ends when the socket closes', async () => {
		const requestId = await readyExport();
		sb.knobs.downloadFraming = 'close';
		const answer = await get(`/api/5/cohorts/request/${requestId}/file`);
		expect(answer.outcome).toBe('end');
		expect(answer.headers['content-length']).toBeUndefined();
		expect(answer.headers['transfer-encoding']).toBeUndefined();
		expect(answer.headers.connection).toBe('close');
		expect(answer.body.length).toBeGreaterThan(0);
	});

	it('downloadFraming content-length: the body is announced with its length', async () => {
		const requestId = await readyExport();
		sb.knobs.downloadFraming = 'content-length';
		const answer = await get(`/api/5/cohorts/request/${requestId}/file`);
		expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
	});

	it('stallNextDownloads: part of the body, then nothing, the connection left open', async () => {
		const requestId = await readyExport();
		sb.knobs.gzip = 'none';
		const full = await whole(requestId);
		sb.knobs.stallNextDownloads = 1;
		sb.knobs.stallAtPercent = 30;
		const stalled = await get(`/api/5/cohorts/request/${requestId}/file`, 500);
		expect(stalled.outcome).toBe('timeout');
		expect(stalled.body.length).toBe(Math.round(full.length * 0.3));
		expect((await whole(requestId)).equals(full)).toBe(true);
	});
});
