/**
 * The Amplitude sandbox stores an export file once generated, as S3 holds a finished export: the next
 * exports of the unchanged cohort download the same bytes without generating them again, and any change
 * to what the bytes hold (members, properties, compression) gets a file of its own.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';

import { DEFAULT_KNOBS, startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';

const AUTH = `Basic ${Buffer.from('sandbox-amplitude-api-key:sandbox-amplitude-secret-key').toString('base64')}`;
/** Over directDownloadMaxMembers: the file comes through the S3 redirect, as big cohorts' do. */
const COHORT = { id: 'stored1', name: 'Stored', size: 3000, revision: 0, churn: 0.1 };

let sb: AmplitudeSandbox;

beforeAll(async () => {
	sb = await startAmplitudeSandbox({ cohorts: [COHORT], knobs: { exportDurationMs: 10 } });
});
afterAll(async () => await sb.close());
beforeEach(() => {
	sb.knobs = { ...DEFAULT_KNOBS, exportDurationMs: 10 };
});

function get(url: string, auth = true): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
	return new Promise((resolve, reject) => {
		const headers = auth ? { authorization: AUTH } : {};
		http
			.get(new URL(url, sb.url), { agent: false, headers }, (res) => {
				const parts: Buffer[] = [];
				res.on('data', (chunk: Buffer) => parts.push(chunk));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
				res.on('error', reject);
			})
			.on('error', reject);
	});
}

/** One whole export: start, wait until ready, follow the 302 without the auth header; the file's bytes as sent. */
async function exportBytes(query = ''): Promise<Buffer> {
	const started = await get(`/api/5/cohorts/request/${COHORT.id}${query}`);
	const requestId = JSON.parse(started.body.toString()).request_id as string;
	await new Promise((resolve) => setTimeout(resolve, 30));
	const redirect = await get(`/api/5/cohorts/request/${requestId}/file`);
	expect(redirect.status).toBe(302);
	const file = await get(redirect.headers.location!, false);
	expect(file.status).toBe(200);
	return file.body;
}

async function memberRows(): Promise<string[]> {
	const rows: string[] = [];
	for await (const member of sb.members(COHORT.id)) rows.push(`"${member.amplitude_id}","${member.user_id}"`);
	return rows;
}

const csvRows = (gzipped: Buffer) => gunzipSync(gzipped).toString('utf8').trimEnd().split('\n').slice(1);

describe('stored export files', () => {
	it('a second export of the unchanged cohort gets the same bytes, not generated again', async () => {
		const before = sb.exportFilesGenerated;
		const first = await exportBytes();
		expect(sb.exportFilesGenerated).toBe(before + 1);
		const second = await exportBytes();
		expect(second.equals(first)).toBe(true);
		expect(sb.exportFilesGenerated).toBe(before + 1);
		expect(csvRows(second)).toEqual(await memberRows());
	});

	it('a recomputed cohort (members churned), other properties or other compression each get their own file', async () => {
		const before = await exportBytes();
		sb.recompute({ ids: [COHORT.id] });
		const generated = sb.exportFilesGenerated;
		const after = await exportBytes();
		expect(sb.exportFilesGenerated).toBe(generated + 1);
		expect(after.equals(before)).toBe(false);
		expect(csvRows(after)).toEqual(await memberRows());

		const withProperties = await exportBytes('?props=1');
		expect(sb.exportFilesGenerated).toBe(generated + 2);
		expect(gunzipSync(withProperties).toString('utf8').split('\n')[0]).not.toBe('"amplitude_id","user_id"');

		sb.knobs.gzip = 'none';
		const plain = await exportBytes();
		expect(sb.exportFilesGenerated).toBe(generated + 3);
		expect(plain.equals(gunzipSync(after))).toBe(true);
	});

	it('a download cut short is not stored: the next one is generated whole', async () => {
		sb.recompute({ ids: [COHORT.id] });
		sb.knobs.resetNextDownloads = 1;
		sb.knobs.resetAfterBytes = 100;
		await exportBytes().catch(() => undefined);
		const generated = sb.exportFilesGenerated;
		const whole = await exportBytes();
		expect(sb.exportFilesGenerated).toBe(generated + 1);
		expect(csvRows(whole)).toEqual(await memberRows());
	});

	it('storeExportFile stores the file ahead of any export: the export then generates nothing', async () => {
		sb.recompute({ ids: [COHORT.id] });
		await sb.storeExportFile(COHORT.id);
		const generated = sb.exportFilesGenerated;
		const file = await exportBytes();
		expect(sb.exportFilesGenerated).toBe(generated);
		expect(csvRows(file)).toEqual(await memberRows());
	});
});
