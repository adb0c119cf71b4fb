/** Failures through n8n's engine: rate limits and 5xx storms, a permanent failure mid-sync, bad names and keys, key scrubbing. */
import type { IDataObject } from 'n8n-workflow';

import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import {
	FAST_RETRIES,
	appCredentials,
	audience,
	ids,
	nodeWorkflow,
	projectCredentials,
	reportOf,
	runWorkflow,
	visibleText,
	withLogCapture,
	writesIn,
} from './batch-workflow-helpers';

const upsertParameters = (options: IDataObject = {}, extra: IDataObject = {}) => ({
	resource: 'audience',
	operation: 'upsert',
	audience: audience('storm'),
	mode: 'replace',
	identifierSource: 'listField',
	listField: 'userIds',
	...extra,
	options: { ...FAST_RETRIES, ...options },
});

describe('Batch nodes under failures', () => {
	let sb: BatchSandbox;
	beforeAll(async () => {
		sb = await startBatchSandbox({ knobs: { indexingDelayMs: 20 } });
	});
	afterAll(() => sb.close());
	beforeEach(() => sb.reset());

	const cohort = ids(32_000);
	const listItem = [{ json: { userIds: cohort } }];

	it('rides out a 429 storm (Retry-After in seconds and as a date) and a 5xx storm, and the audience ends right', async () => {
		sb.faults.set({ rateLimit: { next: 3, retryAfterSeconds: 0 }, serverErrors: { fraction: 0.3, status: 503 } }, 7);
		const result = await runWorkflow(nodeWorkflow('batch', upsertParameters({ concurrency: 3, maxRetries: 8 })), {
			credentials: appCredentials(sb),
			triggerItems: listItem,
		});
		const report = reportOf(result);
		const faults = sb.log.filter((entry) => entry.fault).length;
		expect(faults).toBeGreaterThanOrEqual(3);
		expect(report).toMatchObject({ success: true, retries: faults, requests: sb.log.length, added: 32_000 });
		expect(sb.appAudienceIds(sb.appKeys[0], 'storm')).toEqual(cohort);
		expect(result.uiMessages.some((m) => /retry 1 in/.test(String(m.message[0])))).toBe(true);

		sb.reset();
		sb.faults.set({ rateLimit: { next: 1, retryAfterSeconds: 1, retryAfterStyle: 'date' } });
		const dated = reportOf(
			await runWorkflow(nodeWorkflow('batchProfile', upsertParameters()), { credentials: projectCredentials(sb), triggerItems: listItem }),
		);
		expect(dated).toMatchObject({ success: true, retries: 1 });
		expect(sb.projectAudienceIds(sb.projectKeys[0], 'storm')).toEqual(cohort);
	});

	it('never retries other 4xx', async () => {
		sb.failWritesAfter(1, 403);
		const result = await runWorkflow(nodeWorkflow('batch', upsertParameters()), { credentials: appCredentials(sb), triggerItems: listItem });
		expect(result.status).toBe('error');
		expect(sb.log.filter((entry) => entry.status === 403)).toHaveLength(1);
	});

	it.each([
		['a 400 (refused at once)', 400],
		['a 500 that outlasts its retries', 500],
	])('a permanent failure mid-sync (%s) fails the node saying which chunks were applied', async (_label, status) => {
		// Create + replace chunk 1 + add chunk 2 succeed; chunk 3 fails; chunk 4 is never sent.
		sb.failWritesAfter(3, status);
		const result = await runWorkflow(nodeWorkflow('batch', upsertParameters({ concurrency: 1, maxRetries: 2 })), {
			credentials: appCredentials(sb),
			triggerItems: listItem,
		});
		expect(result.status).toBe('error');
		const error = result.error!;
		expect(error.message).toContain('Audience "storm" sync failed at chunk 3 of 4');
		expect(error.httpCode).toBe(String(status));
		expect(error.description).toContain('applied: 1-2 (20000 ids); failed: 3 (10000 ids); not attempted: 4 (2000 ids)');
		expect(error.description).toContain('Not applied: 12000 ids, starting with user-0020000');
		expect(sb.appAudienceIds(sb.appKeys[0], 'storm')).toEqual(cohort.slice(0, 20_000));
		expect(sb.log.filter((entry) => entry.status === status)).toHaveLength(status === 500 ? 3 : 1);
	});

	it('with Continue On Fail, the report lists every id that was not applied', async () => {
		sb.failWritesAfter(3, 400);
		const result = await runWorkflow(
			nodeWorkflow('batch', upsertParameters({ concurrency: 1 }), { onError: 'continueRegularOutput' }),
			{ credentials: appCredentials(sb), triggerItems: listItem },
		);
		const report = reportOf(result);
		expect(report).toMatchObject({
			success: false,
			added: 20_000,
			chunks: { total: 4, applied: 2, failed: 1, notAttempted: 1 },
			error: expect.stringContaining('chunk 3: Update audience "storm" failed: Batch answered 400'),
		});
		const applied = sb.appAudienceIds(sb.appKeys[0], 'storm');
		// The saved execution keeps at most 1,000 ids in JSON; the full list is a CSV in the item's binary data.
		expect(report.unappliedIdsCount).toBe(12_000);
		expect(report.unappliedIds).toHaveLength(1000);
		const file = result.nodes.Sync.items[0][0].binary?.unappliedIds;
		const listed = Buffer.from(file!.data, 'base64').toString().trim().split('\n').slice(1).map((line) => JSON.parse(line) as string);
		expect(listed.slice(0, 1000)).toEqual(report.unappliedIds);
		expect([...applied, ...listed].sort()).toEqual(cohort);
	});

	it('retries network errors, then fails with a clear message', async () => {
		const closed = await startBatchSandbox();
		const baseUrl = closed.url;
		await closed.close();
		const result = await runWorkflow(nodeWorkflow('batch', upsertParameters({ maxRetries: 2 })), {
			credentials: appCredentials(sb, { baseUrl }),
			triggerItems: listItem,
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toBe('View audience "storm" failed: Batch could not be reached: gave up after 2 retries');
		expect(result.error?.description).toContain('ECONNREFUSED');
		expect(result.uiMessages.filter((m) => /ECONNREFUSED, retry/.test(String(m.message[0])))).toHaveLength(2);
	});

	it.each(['bad name!', 'x'.repeat(256), 'é'])('refuses the audience name %j before any call', async (name) => {
		for (const type of ['batch', 'batchProfile'] as const) {
			const credentials = type === 'batch' ? appCredentials(sb) : projectCredentials(sb);
			// Typed in the editor: n8n itself flags the parameter with our rule and does not run.
			await expect(
				runWorkflow(nodeWorkflow(type, upsertParameters({}, { audience: audience(name) })), { credentials, triggerItems: listItem }),
			).rejects.toThrow('Use 1 to 255 letters, digits, "_" or "-"');
			// Computed by an expression: the node checks it before calling Batch.
			const result = await runWorkflow(nodeWorkflow(type, upsertParameters({}, { audience: audience('={{ $json.name }}') })), {
				credentials,
				triggerItems: [{ json: { name, userIds: ['a'] } }],
			});
			expect(result.status).toBe('error');
			expect(result.error?.message).toBe(`Invalid audience name ${JSON.stringify(name)}`);
			expect(result.error?.description).toContain('1 to 255 characters');
		}
		expect(sb.log).toEqual([]);
	});

	it('refuses to write into an audience of another identifier type', async () => {
		sb.seedAppAudience(sb.appKeys[0], { name: 'storm', type: 'install_ids', ids: ['i1'] });
		const result = await runWorkflow(nodeWorkflow('batch', upsertParameters()), { credentials: appCredentials(sb), triggerItems: listItem });
		expect(result.error?.message).toContain('holds ids of type "install_ids"');
		expect(writesIn(sb)).toEqual([]);
	});

	it.each([
		['batch', 'a wrong REST key', () => appCredentials(sb, { restApiKey: 'wrong-rest-key' })],
		['batch', 'a wrong app key', () => appCredentials(sb, { apiKey: 'wrong-app-key' })],
		['batchProfile', 'a wrong REST key', () => projectCredentials(sb, { restApiKey: 'wrong-rest-key' })],
		['batchProfile', 'a wrong project key', () => projectCredentials(sb, { projectApiKey: 'wrong-project-key' })],
	] as const)('%s with %s: a 401 explained', async (type, _label, credentials) => {
		const result = await runWorkflow(nodeWorkflow(type, upsertParameters()), { credentials: credentials(), triggerItems: listItem });
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/^Batch refused the credentials \(401\)/);
		expect(result.error?.description).toContain('REST API key');
		expect(result.error?.httpCode).toBe('401');
	});
});

describe('key scrubbing', () => {
	const APP = 'SENTINEL-APP-KEY-7f3a9c';
	const PROJECT = 'SENTINEL-PROJECT-KEY-2b8d';
	const REST = 'SENTINEL-REST-KEY-51e0aa';
	let sb: BatchSandbox;
	beforeAll(async () => {
		sb = await startBatchSandbox({ appKeys: [APP], projectKeys: [PROJECT], restApiKey: REST, knobs: { indexingDelayMs: 0 } });
	});
	afterAll(() => sb.close());
	beforeEach(() => sb.reset());

	const expectNoKey = (text: string) => {
		for (const key of [APP, PROJECT, REST]) {
			expect(text).not.toContain(key);
			expect(text).not.toContain(encodeURIComponent(key));
		}
	};

	const scenarios: Array<[string, () => void, 'batch' | 'batchProfile', IDataObject, IDataObject]> = [
		['a successful sync', () => {}, 'batch', {}, {}],
		['a retried then failed sync', () => sb.faults.set({ serverErrors: { fraction: 1, status: 502 } }), 'batch', { maxRetries: 1 }, {}],
		['a refused write', () => sb.failWritesAfter(1, 400), 'batch', {}, {}],
		['a wrong REST key', () => {}, 'batch', {}, { restApiKey: 'x' + REST }],
		['a successful project sync', () => {}, 'batchProfile', {}, {}],
		['a failed project sync', () => sb.failWritesAfter(0, 500), 'batchProfile', { maxRetries: 1 }, {}],
	];

	it.each(scenarios)('no key in outputs, errors, editor messages, logs or state: %s', async (_label, arrange, type, options, overrides) => {
		arrange();
		for (const onError of ['stopWorkflow', 'continueRegularOutput']) {
			const { value: result, lines } = await withLogCapture(() =>
				runWorkflow(nodeWorkflow(type, upsertParameters({ waitForIndexing: true, ...options }), { onError: onError as 'stopWorkflow' }), {
					credentials: type === 'batch' ? appCredentials(sb, overrides) : projectCredentials(sb, overrides),
					mode: 'trigger',
					triggerItems: [{ json: { userIds: ['a', 'b'] } }],
				}),
			);
			expectNoKey(visibleText(result));
			expectNoKey(lines.join('\n'));
			expect(lines.some((line) => line.includes('Batch audience'))).toBe(true);
		}
		// The key did travel: in the URL path of per-app calls, and in headers.
		if (type === 'batch') expect(sb.log.some((entry) => entry.url.includes(APP))).toBe(true);
	});
});
