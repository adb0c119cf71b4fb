/**
 * Get cohort's downloads under faults, through n8n's engine against the Amplitude sandbox: a body cut
 * but ending cleanly (gzip without its trailer, plain CSV, connection-close framing), a stalled body, a
 * redirect to a host or scheme that must not be followed. A short download is retried from a fresh link,
 * or the node fails with the request id: never a partial member list.
 */
import type { IDataObject, INode } from 'n8n-workflow';

import { DEFAULT_COHORTS, startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { runWorkflow, type RunOptions, type WorkflowRunResult } from '../harness/workflow-runner';
import { amplitudeWorkflow, byId, fastPolling, outputOf } from './amplitude-workflow-helpers';

const BIG = { id: 'big60k', name: 'Sixty thousand', size: 60_000 };

let sb: AmplitudeSandbox;
let truth: string[];

async function runGet(parameters: IDataObject, options: RunOptions & { node?: Partial<INode> } = {}): Promise<WorkflowRunResult> {
	return await runWorkflow(amplitudeWorkflow({ options: fastPolling, ...parameters }, options.node), {
		credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: sb.url } },
		...options,
	});
}

const downloads = () => sb.log.filter((entry) => entry.url.startsWith('/s3/') || entry.url.endsWith('/file'));
const fileRequests = () => sb.log.filter((entry) => entry.url.includes('/file'));
const messagesOf = (result: WorkflowRunResult) => result.uiMessages.map(({ message }) => String(message[0]));

beforeAll(async () => {
	sb = await startAmplitudeSandbox({ cohorts: [...DEFAULT_COHORTS, BIG], knobs: { exportDurationMs: 100 } });
	truth = [];
	for await (const member of sb.members(BIG.id)) if (member.user_id !== '') truth.push(member.user_id);
});
afterAll(async () => await sb.close());
beforeEach(() => {
	sb.knobs = {
		...sb.knobs,
		gzip: 'header',
		downloadFraming: 'chunked',
		cutNextDownloads: 0,
		cutAtLineEnd: false,
		stallNextDownloads: 0,
		resetNextDownloads: 0,
	};
	sb.knobs.redirectOrigin = undefined;
	sb.log.length = 0;
});

describe('a download cut but ending cleanly is retried from a fresh link', () => {
	it.each([
		['gzip without its trailer (no Content-Encoding)', 'magic-only', 'content-length'],
		['gzip without its trailer (Content-Encoding: gzip)', 'header', 'content-length'],
		['gzip framed by the connection closing', 'magic-only', 'close'],
		['plain CSV framed by the connection closing', 'none', 'close'],
	] as const)('%s: 60,000 of 60,000 members after one retry', async (_name, gzip, framing) => {
		sb.knobs.gzip = gzip;
		sb.knobs.downloadFraming = framing;
		sb.knobs.cutNextDownloads = 1;
		sb.knobs.cutAtPercent = 50;
		const result = await runGet({ cohort: byId(BIG.id), outputFormat: 'compact' });
		const [item] = outputOf(result);
		expect(item.json.memberCount).toBe(60_000);
		expect(item.json.userIds).toEqual(truth);
		// One cut download, then a fresh link from /file (the cohort is big: each /file answer is a 302 to S3).
		expect(fileRequests().map((entry) => entry.status)).toEqual([302, 302]);
		expect(downloads().filter((entry) => entry.url.startsWith('/s3/'))).toHaveLength(2);
		expect(messagesOf(result)).toContainEqual(expect.stringMatching(/download cut after .* downloading again from a fresh link/));
	});

	it('a body reset mid-way under connection-close framing (ends cleanly for HTTP) is caught too', async () => {
		sb.knobs.gzip = 'none';
		sb.knobs.downloadFraming = 'close';
		sb.knobs.resetNextDownloads = 1;
		sb.knobs.resetAfterBytes = 300_000;
		const [item] = outputOf(await runGet({ cohort: byId(BIG.id), outputFormat: 'compact' }));
		expect(item.json.memberCount).toBe(60_000);
		expect(item.json.userIds).toEqual(truth);
	});

	it('fails with the request id, and outputs nothing, when every download is cut', async () => {
		sb.knobs.gzip = 'magic-only';
		sb.knobs.cutNextDownloads = 100;
		const result = await runGet({ cohort: byId(BIG.id), outputFormat: 'items' });
		expect(result.status).toBe('error');
		const requestId = sb.exports[sb.exports.length - 1].requestId;
		expect(result.error?.message).toBe(
			`The export file of cohort "Sixty thousand" (request id ${requestId}) did not download completely: ` +
				'the gzip stream is cut or damaged (unexpected end of file)',
		);
		expect(result.error?.description).toContain(`put ${requestId} in the option "Resume Export Request ID"`);
		expect(result.nodes.Amplitude?.items?.[0] ?? []).toHaveLength(0);
		// The first download and three fresh links.
		expect(fileRequests()).toHaveLength(4);
	});

	it('a short but well-formed file (cut at a line end, gzip with its trailer) is downloaded again, as the listing announces more', async () => {
		sb.knobs.cutNextDownloads = 1;
		sb.knobs.cutAtLineEnd = true;
		const result = await runGet({ cohort: byId(BIG.id), outputFormat: 'compact' });
		const [item] = outputOf(result);
		expect(item.json.memberCount).toBe(60_000);
		expect(item.json.userIds).toEqual(truth);
		expect(fileRequests()).toHaveLength(2);
		expect(messagesOf(result)).toContainEqual(expect.stringMatching(/where the cohort lists 60000: downloading it again to confirm/));
	});

	it('a file that stays shorter than the listing in two downloads is taken as it is (the listing may predate the export)', async () => {
		sb.knobs.cutNextDownloads = 100;
		sb.knobs.cutAtLineEnd = true;
		sb.knobs.cutAtPercent = 99;
		const [item] = outputOf(await runGet({ cohort: byId(BIG.id), outputFormat: 'compact' }));
		expect(item.json.memberCount).toBeLessThan(60_000);
		expect(item.json.userIds).toEqual(truth.slice(0, (item.json.userIds as string[]).length));
		expect(fileRequests()).toHaveLength(2);
	});

	it('CSV File output: the file holds every member after a cut download', async () => {
		sb.knobs.gzip = 'magic-only';
		sb.knobs.cutNextDownloads = 1;
		sb.knobs.cutAtPercent = 10;
		const [item] = outputOf(await runGet({ cohort: byId(BIG.id), outputFormat: 'binary' }));
		expect(item.json.memberCount).toBe(60_000);
		const text = Buffer.from(item.binary!.data.data, 'base64').toString('utf8');
		expect(text.split('\n').filter((line) => line !== '')).toHaveLength(60_001);
	});
});

describe('a stalled download', () => {
	it('is given up after the idle timeout and downloaded again from a fresh link', async () => {
		sb.knobs.stallNextDownloads = 1;
		sb.knobs.stallAtPercent = 30;
		const result = await runGet({ cohort: byId(BIG.id), outputFormat: 'compact', options: { ...fastPolling, downloadIdleTimeoutSeconds: 1 } });
		const [item] = outputOf(result);
		expect(item.json.memberCount).toBe(60_000);
		expect(item.json.userIds).toEqual(truth);
		expect(fileRequests()).toHaveLength(2);
		expect(messagesOf(result)).toContainEqual(expect.stringContaining('the download stopped: no data for 1 s'));
		// The stalled S3 connection was closed by the node, not left open: the sandbox saw it end.
		await new Promise((resolve) => setTimeout(resolve, 100));
		const [stalled] = downloads().filter((entry) => entry.url.startsWith('/s3/'));
		expect(stalled.durationMs).toBeGreaterThanOrEqual(1000);
	});

	it('fails with the request id when every download stalls', async () => {
		sb.knobs.stallNextDownloads = 100;
		const result = await runGet({ cohort: byId('abc123'), outputFormat: 'compact', options: { ...fastPolling, downloadIdleTimeoutSeconds: 1 } });
		expect(result.status).toBe('error');
		const requestId = sb.exports[sb.exports.length - 1].requestId;
		expect(result.error?.message).toMatch(
			new RegExp(`\\(request id ${requestId}\\) did not download completely: the download stopped: no data for 1 s`),
		);
		expect(fileRequests()).toHaveLength(4);
		// Each stalled direct download was closed by the node: none holds one of the 5 concurrent slots.
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(fileRequests().every((entry) => entry.durationMs >= 1000)).toBe(true);
	});
});

describe('a download that does not start', () => {
	it('is bounded by the idle timeout too (the /file answer must start within it)', async () => {
		sb.faults.set({ latencyMs: 1500 });
		try {
			const result = await runGet({
				cohort: byId('abc123'),
				outputFormat: 'compact',
				options: { pollIntervalSeconds: 0.05, downloadIdleTimeoutSeconds: 1, maxRetries: 1 },
			});
			expect(result.status).toBe('error');
			expect(result.error?.message).toMatch(/^Downloading export \S+ failed: The connection was aborted/);
			// The two attempts at /file each gave up after 1 s, before the sandbox answered.
			expect(fileRequests()).toHaveLength(2);
		} finally {
			sb.faults.clear();
		}
	});
});

describe('where a download redirect may lead', () => {
	it.each([
		['plain http to another host', 'http://evil.example', /it leads to http:\/\/evil\.example\/s3\/.*: only https links are followed/],
		['a file: URL', 'file://', /it leads to file:\/\/\/s3\/.*: only https links are followed/],
	])('refuses %s, with a clear error and without the link signature', async (_name, origin, message) => {
		sb.knobs.redirectOrigin = origin;
		const result = await runGet({ cohort: byId(BIG.id), outputFormat: 'compact' });
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/^Refused to follow the download link of export \S+: /);
		expect(result.error?.message).toMatch(message);
		expect(result.error?.message).not.toContain('X-Amz-Signature');
	});

	it('follows the custom base URL own host (the sandbox S3 on loopback)', async () => {
		const [item] = outputOf(await runGet({ cohort: byId(BIG.id), outputFormat: 'compact' }));
		expect(item.json.memberCount).toBe(60_000);
	});
});
