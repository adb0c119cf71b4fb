/**
 * Amplitude node failures, through n8n's engine against the sandbox: rate limits, slow and failed
 * exports, time-outs, wrong keys, unknown cohorts, broken downloads, and Continue On Fail.
 */
import type { IDataObject, INode } from 'n8n-workflow';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { runWorkflow, type RunOptions, type WorkflowRunResult } from '../harness/workflow-runner';
import { amplitudeWorkflow, byId, fastPolling, outputOf } from './amplitude-workflow-helpers';

let sb: AmplitudeSandbox;

interface GetRun extends RunOptions {
	node?: Partial<INode>;
	credentials?: RunOptions['credentials'];
}

async function runGet(parameters: IDataObject, options: GetRun = {}): Promise<WorkflowRunResult> {
	return await runWorkflow(amplitudeWorkflow({ options: fastPolling, ...parameters }, options.node), {
		credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: sb.url } },
		...options,
	});
}

const messagesOf = (result: WorkflowRunResult) => result.uiMessages.map(({ message }) => String(message[0]));
const apiRequests = () => sb.log.filter((entry) => entry.url.startsWith('/api/'));

beforeEach(async () => {
	sb = await startAmplitudeSandbox({ knobs: { exportDurationMs: 200 } });
});
afterEach(async () => await sb.close());

describe('rate limits and slow exports', () => {
	it('waits out 429 answers (Retry-After) and succeeds, starting exactly one export', async () => {
		sb.faults.set({ rateLimit: { next: 2, retryAfterSeconds: 1, match: '/api/5/cohorts/request/' } });
		const result = await runGet({ cohort: byId('abc123'), outputFormat: 'compact' });
		const [item] = outputOf(result);
		expect(item.json.memberCount).toBe(25);
		const starts = apiRequests().filter((entry) => /^\/api\/5\/cohorts\/request\/abc123/.test(entry.url));
		expect(starts.map((entry) => entry.status)).toEqual([429, 429, 202]);
		expect(sb.exportsStarted).toBe(1);
		// At least the second asked for, a little more as the 429s persist.
		expect(messagesOf(result).filter((message) => /HTTP 429, retry \d in 1\.\d s/.test(message))).toHaveLength(2);
	});

	it('fails with an explained 429 once the Retry Time Budget runs out, having honoured Retry-After', async () => {
		sb.faults.set({ rateLimit: { next: 10, retryAfterSeconds: 2, match: '/api/3/cohorts' } });
		const result = await runGet({ cohort: byId('abc123'), options: { ...fastPolling, retryTimeBudgetSeconds: 3 } });
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/429 Too Many Requests.*gave up after waiting 2(\.\d)? s through 2 × 429 \(Retry Time Budget 3 s; the server asked to wait 2 s more\)/);
		expect(result.error?.httpCode).toBe('429');
		expect(messagesOf(result)).toContainEqual(expect.stringMatching(/Listing cohorts: HTTP 429, retry 1 in 2\.\d s/));
		expect(apiRequests()).toHaveLength(2);
		expect(sb.exportsStarted).toBe(0);
	});

	it('keeps polling a slow export until it is done', async () => {
		sb.knobs.exportDurationMs = 1200;
		const result = await runGet({ cohort: byId('abc123'), outputFormat: 'compact', options: { pollIntervalSeconds: 0.2 } });
		expect(outputOf(result)[0].json.memberCount).toBe(25);
		const polls = apiRequests().filter((entry) => entry.url.includes('request-status'));
		expect(polls.map((entry) => entry.status).slice(-1)).toEqual([200]);
		expect(polls.filter((entry) => entry.status === 202).length).toBeGreaterThanOrEqual(3);
		expect(messagesOf(result).filter((message) => message.includes('export running')).length).toBeGreaterThanOrEqual(3);
		expect(sb.exportsStarted).toBe(1);
	});

	it('stops waiting for the export as soon as the execution is stopped', async () => {
		sb.knobs.exportDurationMs = 60_000;
		let stoppedAt = 0;
		const result = await runGet(
			{ cohort: byId('abc123'), outputFormat: 'compact', options: { pollIntervalSeconds: 30 } },
			{
				onStarted: (cancel) => {
					const poll = setInterval(() => {
						if (!apiRequests().some((entry) => entry.url.includes('request-status'))) return;
						clearInterval(poll);
						// The node is in its 30 s pause between polls: stop, as the editor's Stop button does.
						setTimeout(() => {
							stoppedAt = Date.now();
							cancel();
						}, 200);
					}, 20);
				},
			},
		);
		expect(stoppedAt).toBeGreaterThan(0);
		expect(Date.now() - stoppedAt).toBeLessThan(1000);
		expect(result.status).toBe('canceled');
	}, 20_000);

	it('gives up after the maximum wait with the request id to resume with', async () => {
		sb.knobs.exportDurationMs = 60_000;
		const result = await runGet({ cohort: byId('abc123'), options: { pollIntervalSeconds: 0.1, maxWaitSeconds: 0.3 } });
		expect(result.status).toBe('error');
		const requestId = sb.exports[0].requestId;
		expect(result.error?.message).toBe(`The Amplitude export was not ready within 0.3 s (request id ${requestId})`);
		expect(result.error?.description).toContain(`put ${requestId} in the option "Resume Export Request ID"`);
		expect(apiRequests().some((entry) => entry.url.includes('/file'))).toBe(false);
	});

	it('reports an export that Amplitude says failed', async () => {
		sb.knobs.failNextExports = 1;
		const result = await runGet({ cohort: byId('abc123') });
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/reports export \S+ as "JOB FAILED"/);
	});
});

describe('wrong settings', () => {
	it('explains a 401 and never shows the keys', async () => {
		const result = await runGet(
			{ cohort: byId('abc123') },
			{ credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: 'wrong-secret-key', region: 'custom', baseUrl: sb.url } } },
		);
		expect(result.status).toBe('error');
		expect(result.error?.message).toBe(
			'Amplitude rejected the credentials (HTTP 401): check API key/secret key and data centre',
		);
		expect(result.error?.httpCode).toBe('401');
		expect(result.error?.description).toContain('Invalid API key / secret key');
		const shown = JSON.stringify([result.error?.message, result.error?.description, result.error?.context]);
		expect(shown).not.toContain('wrong-secret-key');
		expect(shown).not.toContain(sb.apiKey);
		expect(sb.exportsStarted).toBe(0);
	});

	it('says when the cohort does not exist, before starting any export', async () => {
		const result = await runGet({ cohort: byId('nope999') });
		expect(result.status).toBe('error');
		expect(result.error?.message).toBe('Cohort "nope999" was not found in this Amplitude project');
		expect(sb.exportsStarted).toBe(0);
	});

	it('says when a resumed request id is unknown', async () => {
		const result = await runGet({ cohort: byId('abc123'), options: { ...fastPolling, resumeRequestId: 'zzzzzz' } });
		expect(result.status).toBe('error');
		expect(result.error?.message).toBe('Amplitude does not know export request zzzzzz (HTTP 404)');
		expect(sb.exportsStarted).toBe(0);
	});

	it('fails clearly when downloads keep being cut, naming the request id', async () => {
		sb.knobs.resetNextDownloads = 10;
		sb.knobs.resetAfterBytes = 5_000;
		const result = await runGet({ cohort: byId('def456'), outputFormat: 'binary' });
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/^Reading the export file of cohort "Trial users \(medium\)" failed/);
		expect(result.error?.description).toContain(sb.exports[0].requestId);
		expect(sb.log.filter((entry) => entry.url.startsWith('/s3/'))).toHaveLength(4);
	});
});

describe('Continue On Fail', () => {
	it('gives one error item for the failing input item and carries on with the others', async () => {
		const result = await runGet(
			{ cohort: { __rl: true, mode: 'id', value: '={{ $json.cohort }}' }, outputFormat: 'compact' },
			{
				node: { onError: 'continueRegularOutput' },
				triggerItems: [{ json: { cohort: 'nope999' } }, { json: { cohort: 'abc123' } }, { json: { cohort: 'gone000' } }],
			},
		);
		const items = outputOf(result);
		expect(items).toHaveLength(3);
		expect(items[0]).toMatchObject({ json: { error: 'Cohort "nope999" was not found in this Amplitude project' }, pairedItem: { item: 0 } });
		expect(items[1]).toMatchObject({ json: { cohortId: 'abc123', memberCount: 25 }, pairedItem: { item: 1 } });
		expect(items[2]).toMatchObject({ json: { error: expect.stringContaining('gone000') }, pairedItem: { item: 2 } });
	});

	it('drops the members already output when an item fails halfway', async () => {
		sb.knobs.resetNextDownloads = 10;
		sb.knobs.resetAfterBytes = 30_000;
		const result = await runGet(
			{ cohort: { __rl: true, mode: 'id', value: '={{ $json.cohort }}' } },
			{ node: { onError: 'continueRegularOutput' }, triggerItems: [{ json: { cohort: 'def456' } }] },
		);
		const items = outputOf(result);
		expect(items).toHaveLength(1);
		expect(items[0].json.error).toMatch(/Reading the export file/);
		expect(items[0].pairedItem).toEqual({ item: 0 });
	});
});
