/**
 * Throttling storms and retry budgets, through n8n's engine against the sandboxes: 429s are retried until
 * the run's Retry Time Budget runs out (not a count), 5xx keep their count limit, the report says how
 * long the run waited, a stopped execution stops a retry wait, and every call has a bounded time.
 */
import type { IDataObject, INode } from 'n8n-workflow';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { runWorkflow, type WorkflowRunResult } from '../harness/workflow-runner';
import { appCredentials, audience, ids, nodeWorkflow, projectCredentials, reportOf } from './batch-workflow-helpers';

const upsert = (options: IDataObject = {}) => ({
	resource: 'audience',
	operation: 'upsert',
	audience: audience('storm'),
	mode: 'replace',
	identifierSource: 'listField',
	listField: 'userIds',
	options: { retryBaseDelayMs: 1, ...options },
});

const cohort = ids(25_000);
const listItem = [{ json: { userIds: cohort } }];

describe('Batch: a throttling storm is waited out within the Retry Time Budget', () => {
	let sb: BatchSandbox;
	beforeAll(async () => {
		sb = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
	});
	afterAll(() => sb.close());
	beforeEach(() => sb.reset());

	it('20 consecutive 429s with Retry-After: 1 → the upsert succeeds and reports retries, 429s and the time waited', async () => {
		sb.faults.set({ rateLimit: { next: 20, retryAfterSeconds: 1 } });
		const started = Date.now();
		const result = await runWorkflow(nodeWorkflow('batch', upsert({ concurrency: 2 })), {
			credentials: appCredentials(sb),
			triggerItems: listItem,
		});
		const elapsedMs = Date.now() - started;
		const report = reportOf(result);
		expect(report).toMatchObject({ success: true, added: 25_000, retries: 20, throttled: 20 });
		// Every wait is at least the second Batch asked for.
		expect(report.throttledMs as number).toBeGreaterThanOrEqual(20_000);
		expect(report.throttledMs as number).toBeLessThanOrEqual(elapsedMs);
		expect(sb.appAudienceIds(sb.appKeys[0], 'storm')).toEqual(cohort);
		expect(sb.log.filter((entry) => entry.status === 429)).toHaveLength(20);
		console.log(`20 × 429 Retry-After 1: succeeded after ${(elapsedMs / 1000).toFixed(1)} s, throttledMs ${String(report.throttledMs)}`);
	}, 60_000);

	it('persistent 429s with a 2 s budget: fails saying how long it waited and how many 429s it saw', async () => {
		sb.faults.set({ rateLimit: { fraction: 1, retryAfterSeconds: 0.3 } });
		const started = Date.now();
		const result = await runWorkflow(nodeWorkflow('batchProfile', upsert({ retryTimeBudgetSeconds: 2 })), {
			credentials: projectCredentials(sb),
			triggerItems: listItem,
		});
		const elapsedMs = Date.now() - started;
		expect(result.status).toBe('error');
		const error = result.error!;
		const seen = sb.log.filter((entry) => entry.status === 429).length;
		expect(seen).toBeGreaterThan(2);
		expect(error.message).toMatch(new RegExp(`after waiting \\d+(\\.\\d)? s through ${seen} × 429 \\(Retry Time Budget 2 s[;)]`));
		expect(error.httpCode).toBe('429');
		expect(error.context).toMatchObject({ throttled: seen, retryTimeBudgetMs: 2000 });
		expect((error.context as IDataObject).throttledMs as number).toBeGreaterThanOrEqual(1500);
		expect((error.context as IDataObject).throttledMs as number).toBeLessThanOrEqual(2100);
		expect(elapsedMs).toBeLessThan(10_000);
		console.log(`persistent 429, budget 2 s: failed after ${(elapsedMs / 1000).toFixed(1)} s: ${error.message}`);

		// Continue On Fail: the error item carries the same figures.
		sb.reset();
		sb.faults.set({ rateLimit: { fraction: 1, retryAfterSeconds: 0.3 } });
		const continued = await runWorkflow(
			nodeWorkflow('batchProfile', upsert({ retryTimeBudgetSeconds: 1 }), { onError: 'continueRegularOutput' }),
			{ credentials: projectCredentials(sb), triggerItems: listItem },
		);
		expect(continued.nodes.Sync.items[0][0].json.error).toMatch(/after waiting \d+(\.\d)? s through \d+ × 429 \(Retry Time Budget 1 s[;)]/);
	}, 30_000);

	it('a chunk that outlasts the budget: the failure and the Continue On Fail report give retries, 429s and the wait', async () => {
		sb.faults.set({ rateLimit: { fraction: 1, retryAfterSeconds: 0.2, match: '/audiences/replace' } });
		const failed = await runWorkflow(nodeWorkflow('batchProfile', upsert({ retryTimeBudgetSeconds: 1 })), {
			credentials: projectCredentials(sb),
			triggerItems: listItem,
		});
		expect(failed.status).toBe('error');
		expect(failed.error?.message).toMatch(/sync failed at chunk 1 of 3: .*gave up after waiting \d(\.\d)? s through \d+ × 429 \(Retry Time Budget 1 s/);

		sb.reset();
		sb.faults.set({ rateLimit: { fraction: 1, retryAfterSeconds: 0.2, match: '/audiences/replace' } });
		const continued = await runWorkflow(
			nodeWorkflow('batchProfile', upsert({ retryTimeBudgetSeconds: 1 }), { onError: 'continueRegularOutput' }),
			{ credentials: projectCredentials(sb), triggerItems: listItem },
		);
		const report = continued.nodes.Sync.items[0][0].json;
		const seen = sb.log.filter((entry) => entry.status === 429).length;
		expect(report).toMatchObject({ success: false, throttled: seen, retries: seen - 1 });
		expect(report.throttledMs as number).toBeGreaterThanOrEqual(800);
		expect(report.throttledMs as number).toBeLessThanOrEqual(1100);
	}, 30_000);

	it('a Retry Time Budget or Request Timeout that is not a number is an error naming the option, before any call', async () => {
		for (const [option, label] of [
			['retryTimeBudgetSeconds', 'Retry Time Budget (Seconds)'],
			['requestTimeoutSeconds', 'Request Timeout (Seconds)'],
		]) {
			const result = await runWorkflow(nodeWorkflow('batch', upsert({ [option]: '={{ "soon" }}' })), {
				credentials: appCredentials(sb),
				triggerItems: listItem,
			});
			expect(result.status).toBe('error');
			expect(result.error?.message).toBe(`"${label}" must be a number of seconds of at least ${option === 'requestTimeoutSeconds' ? 0.1 : 0}, not "soon"`);
		}
		expect(sb.log).toEqual([]);
	});

	it('5xx and network errors keep their count limit (Max Retries)', async () => {
		sb.faults.set({ serverErrors: { fraction: 1, status: 503 } });
		const result = await runWorkflow(nodeWorkflow('batch', upsert({ maxRetries: 2 })), {
			credentials: appCredentials(sb),
			triggerItems: listItem,
		});
		expect(result.status).toBe('error');
		expect(sb.log).toHaveLength(3);
		expect(result.error?.message).toContain('after 2 retries');
	});

	it('a 429 between 5xx answers does not spend the 5xx count, and a 5xx does not spend the budget', async () => {
		// 503, 429, 503, 429, 503 then success: 3 server errors with Max Retries 3 still succeed.
		let served = 0;
		sb.faults.set({ serverErrors: { next: 1, status: 503 } });
		const result = await runWorkflow(nodeWorkflow('batch', upsert({ maxRetries: 3, concurrency: 1 })), {
			credentials: appCredentials(sb),
			triggerItems: [{ json: { userIds: ['a', 'b'] } }],
			onUiMessage: () => {
				served++;
				if (served === 1) sb.faults.set({ rateLimit: { next: 1, retryAfterSeconds: 0 } });
				if (served === 2) sb.faults.set({ serverErrors: { next: 1, status: 503 } });
				if (served === 3) sb.faults.set({ rateLimit: { next: 1, retryAfterSeconds: 0 } });
				if (served === 4) sb.faults.set({ serverErrors: { next: 1, status: 503 } });
			},
		});
		const report = reportOf(result);
		expect(report).toMatchObject({ success: true, retries: 5, throttled: 2 });
	});

	it('stopping the execution stops a retry wait within a second', async () => {
		sb.faults.set({ rateLimit: { fraction: 1, retryAfterSeconds: 30 } });
		let cancelledAt = 0;
		const result = await runWorkflow(nodeWorkflow('batch', upsert()), {
			credentials: appCredentials(sb),
			triggerItems: listItem,
			onStarted: (cancel) => {
				const poll = setInterval(() => {
					if (sb.log.some((entry) => entry.status === 429)) {
						clearInterval(poll);
						// Let the node start its 30 s wait, then stop the execution as the editor's Stop button does.
						setTimeout(() => {
							cancelledAt = Date.now();
							cancel();
						}, 200);
					}
				}, 20);
			},
		});
		const stoppedAfterMs = Date.now() - cancelledAt;
		expect(cancelledAt).toBeGreaterThan(0);
		expect(result.status).toBe('canceled');
		expect(stoppedAfterMs).toBeLessThan(1000);
		expect(sb.log).toHaveLength(1);
		console.log(`cancel during a 30 s Retry-After wait: the node returned ${stoppedAfterMs} ms after the stop`);
	}, 20_000);

	it('a call that gets no answer times out (Request Timeout) and is retried as a network error', async () => {
		sb.knobs.indexingDelayMs = 0;
		sb.faults.set({ latencyMs: 1500 });
		const started = Date.now();
		const result = await runWorkflow(nodeWorkflow('batch', upsert({ requestTimeoutSeconds: 0.5, maxRetries: 1 })), {
			credentials: appCredentials(sb),
			triggerItems: listItem,
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/View audience "storm" failed: Batch could not be reached/);
		expect(result.error?.description).toContain('no answer within the Request Timeout (0.5 s)');
		expect(sb.log).toHaveLength(2);
		expect(Date.now() - started).toBeLessThan(5000);
	}, 20_000);
});

function amplitudeWorkflow(parameters: IDataObject, node: Partial<INode> = {}) {
	return {
		nodes: [
			{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} },
			{
				id: '2',
				name: 'Amplitude',
				type: 'n8n-nodes-amplitude-batch.amplitude',
				typeVersion: 1,
				position: [200, 0] as [number, number],
				parameters: { resource: 'cohort', operation: 'get', cohort: { __rl: true, mode: 'id', value: 'abc123' }, ...parameters },
				credentials: { amplitudeCohortsApi: { id: '1', name: 'Amplitude sandbox' } },
				...node,
			},
		],
		connections: { Start: { main: [[{ node: 'Amplitude', type: 'main' as const, index: 0 }]] } },
	};
}

describe('Amplitude: Get cohort under a throttling storm', () => {
	let amp: AmplitudeSandbox;
	beforeEach(async () => {
		amp = await startAmplitudeSandbox({ knobs: { exportDurationMs: 100 } });
	});
	afterEach(async () => await amp.close());

	const run = async (options: IDataObject, node: Partial<INode> = {}): Promise<WorkflowRunResult> =>
		await runWorkflow(amplitudeWorkflow({ outputFormat: 'compact', options: { pollIntervalSeconds: 0.05, ...options } }, node), {
			credentials: { amplitudeCohortsApi: { apiKey: amp.apiKey, secretKey: amp.secretKey, region: 'custom', baseUrl: amp.url } },
		});

	it('waits out 4 × 429 (more than Maximum Retries) and reports retries, 429s and the time waited', async () => {
		amp.faults.set({ rateLimit: { next: 4, retryAfterSeconds: 0.2, match: '/api/3/cohorts' } });
		const result = await run({ maxRetries: 1 });
		expect(result.status).toBe('success');
		const [item] = result.nodes.Amplitude.items[0];
		expect(item.json.memberCount).toBe(25);
		expect(item.json).toMatchObject({ retries: 4, throttled: 4 });
		// Growing waits while the 429s persist: more than the 4 × 0.2 s asked for.
		expect(item.json.throttledMs as number).toBeGreaterThan(4 * 200);
	}, 30_000);

	it('gives up when the Retry Time Budget runs out, saying how long it waited and how many 429s it saw', async () => {
		amp.faults.set({ rateLimit: { fraction: 1, retryAfterSeconds: 0.25, match: '/api/3/cohorts' } });
		const result = await run({ retryTimeBudgetSeconds: 1 });
		expect(result.status).toBe('error');
		const seen = amp.log.filter((entry) => entry.status === 429).length;
		expect(result.error?.message).toMatch(new RegExp(`after waiting \\d+(\\.\\d)? s through ${seen} × 429 \\(Retry Time Budget 1 s[;)]`));
		expect(result.error?.httpCode).toBe('429');
		expect(amp.exportsStarted).toBe(0);
	}, 20_000);

	it('a status call that gets no answer times out and is retried by count', async () => {
		amp.faults.set({ latencyMs: 1200 });
		const started = Date.now();
		const result = await run({ requestTimeoutSeconds: 0.4, maxRetries: 1 });
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/Listing cohorts failed/);
		expect(amp.log.filter((entry) => entry.url.startsWith('/api/3/cohorts'))).toHaveLength(2);
		expect(Date.now() - started).toBeLessThan(5000);
	}, 20_000);
});
