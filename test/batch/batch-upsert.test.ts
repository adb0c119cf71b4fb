/** Batch node (per-app Custom Audience API), Upsert: every mode and identifier source, through n8n's engine. */
import { gzipSync } from 'node:zlib';

import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import {
	FAST_RETRIES,
	appCredentials,
	audience,
	idItems,
	ids,
	nodeWorkflow,
	reportOf,
	runWorkflow,
	sentIds,
	writesIn,
} from './batch-workflow-helpers';

describe('Batch node: Upsert audience', () => {
	let sb: BatchSandbox;
	beforeAll(async () => {
		sb = await startBatchSandbox({ knobs: { indexingDelayMs: 50 } });
	});
	afterAll(() => sb.close());
	beforeEach(() => sb.reset());

	const upsert = (parameters: Record<string, unknown>) =>
		nodeWorkflow('batch', {
			resource: 'audience',
			operation: 'upsert',
			audience: audience('power_users'),
			...parameters,
			options: { ...FAST_RETRIES, ...(parameters.options as object) },
		});
	const members = () => sb.appAudienceIds(sb.appKeys[0], 'power_users');

	it('creates the audience and adds the ids mapped from each item, skipping invalid and duplicate ids', async () => {
		const result = await runWorkflow(upsert({ description: 'From Amplitude' }), {
			credentials: appCredentials(sb),
			triggerItems: idItems(['u1', 'u2', '', null, 'u2', 'u3', 42]),
		});
		const report = reportOf(result);
		expect(members()).toEqual(['u1', 'u2', 'u3']);
		expect(sb.appAudience(sb.appKeys[0], 'power_users')).toMatchObject({ type: 'custom_ids', description: 'From Amplitude' });
		expect(report).toMatchObject({
			audience: 'power_users',
			mode: 'add',
			effectiveMode: 'add',
			success: true,
			dryRun: false,
			audienceCreated: true,
			received: 7,
			unique: 3,
			duplicates: 1,
			invalid: 3,
			invalidBreakdown: { empty: 2, nonString: 1, tooLong: 0 },
			added: 3,
			removed: 0,
			requests: 3,
			retries: 0,
			chunks: { total: 1, applied: 1, failed: 0, notAttempted: 0 },
			indexingState: 'NOT_WAITED',
		});
		expect(report.indexingTokens).toHaveLength(1);
		expect(result.nodes.Sync.items[0][0].pairedItem).toEqual([0, 1, 2, 3, 4, 5, 6].map((item) => ({ item })));
		const patch = writesIn(sb).find((entry) => entry.method === 'PATCH');
		expect(patch?.url).toBe(`/1.0/${sb.appKeys[0]}/custom-audience/power_users`);
		expect(JSON.parse(patch!.body!)).toMatchObject({ type: 'custom_ids' });
	});

	it('Add merges into an existing audience and removes nobody', async () => {
		sb.seedAppAudience(sb.appKeys[0], { name: 'power_users', type: 'custom_ids', ids: ['old1', 'u1'] });
		const report = reportOf(await runWorkflow(upsert({}), { credentials: appCredentials(sb), triggerItems: idItems(['u1', 'u2']) }));
		expect(members()).toEqual(['old1', 'u1', 'u2']);
		expect(report).toMatchObject({ audienceCreated: false, nbIdsBefore: 2, added: 2 });
		expect(writesIn(sb).map((entry) => entry.method)).toEqual(['PATCH']);
	});

	it('Replace mirrors a list field beyond 10,000 ids: replace with the first chunk, then add the rest', async () => {
		sb.seedAppAudience(sb.appKeys[0], { name: 'power_users', type: 'custom_ids', ids: ['stale1', 'stale2'] });
		const cohort = ids(25_000);
		const result = await runWorkflow(
			upsert({ mode: 'replace', identifierSource: 'listField', listField: 'userIds', options: { concurrency: 2 } }),
			{
				credentials: appCredentials(sb),
				triggerItems: [{ json: { cohortId: 'c1', cohortName: 'Power', memberCount: 25_000, userIds: [...cohort, '', 'user-0000001'] } }],
			},
		);
		const report = reportOf(result);
		expect(members()).toEqual(cohort);
		expect(writesIn(sb).map((entry) => [entry.method, (JSON.parse(entry.body!) as { ids: unknown[] }).ids.length])).toEqual([
			['PUT', 10_000],
			['PATCH', 10_000],
			['PATCH', 5_000],
		]);
		expect(report).toMatchObject({ received: 25_002, unique: 25_000, invalid: 1, duplicates: 1, added: 25_000, effectiveMode: 'replace' });
		expect(result.uiMessages.map((m) => String(m.message[0]))).toEqual(
			expect.arrayContaining([expect.stringContaining('3/3 chunks sent')]),
		);
	});

	it('Remove takes the input ids out of the audience', async () => {
		sb.seedAppAudience(sb.appKeys[0], { name: 'power_users', type: 'custom_ids', ids: ['a', 'b', 'c'] });
		const report = reportOf(
			await runWorkflow(upsert({ mode: 'remove' }), { credentials: appCredentials(sb), triggerItems: idItems(['a', 'c', 'zz']) }),
		);
		expect(members()).toEqual(['b']);
		expect(report).toMatchObject({ removed: 3, added: 0 });
		expect(sentIds(sb, 'remove')).toEqual(['a', 'c', 'zz']);
	});

	it('reads a binary CSV column as Installation IDs (API 1.1) with attribute columns, gzip or not', async () => {
		const csv = [
			'amplitude_id,user_id,plan,country',
			'1,"inst-1",pro,FR',
			'2,"inst-2","free, trial",',
			'3,,pro,US',
			'4,"inst-3",,DE',
		].join('\n');
		for (const [name, bytes] of [
			['plain', Buffer.from(csv)],
			['gzip', gzipSync(csv)],
		] as const) {
			sb.reset();
			const result = await runWorkflow(
				upsert({
					identifierType: 'installationId',
					identifierSource: 'binaryCsv',
					binaryPropertyName: 'data',
					csvColumn: 'user_id',
					attributeColumns: 'plan, country',
				}),
				{
					credentials: appCredentials(sb),
					triggerItems: [
						{ json: { cohortId: 'c1' }, binary: { data: { data: bytes.toString('base64'), mimeType: 'text/csv', fileName: `${name}.csv` } } },
					],
				},
			);
			const report = reportOf(result);
			expect(report).toMatchObject({ received: 4, unique: 3, invalid: 1, added: 3 });
			const stored = sb.appAudience(sb.appKeys[0], 'power_users')!;
			expect(stored.type).toBe('install_ids');
			expect(Object.fromEntries(stored.ids)).toEqual({
				'inst-1': { attributes: { plan: 'pro', country: 'FR' } },
				'inst-2': { attributes: { plan: 'free, trial' } },
				'inst-3': { attributes: { country: 'DE' } },
			});
			expect(writesIn(sb)[0].url).toBe(`/1.1/${sb.appKeys[0]}/custom-audience/power_users`);
		}
	});

	it('maps attributes and tags per item for Installation IDs', async () => {
		const result = await runWorkflow(
			upsert({
				identifierType: 'installationId',
				attributes: { attribute: [{ name: 'plan', value: '={{ $json.plan }}' }, { name: 'score', value: '={{ $json.score }}' }] },
				tags: '={{ $json.tags }}',
			}),
			{
				credentials: appCredentials(sb),
				triggerItems: idItems(['i1', 'i2'], (_id, i) => ({ plan: i ? 'free' : 'pro', score: i, tags: i ? 'a, b' : ['vip'] })),
			},
		);
		reportOf(result);
		const stored = sb.appAudience(sb.appKeys[0], 'power_users')!;
		expect(Object.fromEntries(stored.ids)).toEqual({
			i1: { attributes: { plan: 'pro', score: 0 }, tags: ['vip'] },
			i2: { attributes: { plan: 'free', score: 1 }, tags: ['a', 'b'] },
		});
	});

	it('a dry run reports what would be sent and writes nothing', async () => {
		const report = reportOf(
			await runWorkflow(upsert({ mode: 'replace', options: { dryRun: true } }), {
				credentials: appCredentials(sb),
				triggerItems: idItems(['b', 'a', 'c']),
			}),
		);
		expect(sb.log.every((entry) => entry.method === 'GET')).toBe(true);
		expect(sb.appAudience(sb.appKeys[0], 'power_users')).toBeUndefined();
		expect(report).toMatchObject({
			dryRun: true,
			audienceCreated: true,
			toAdd: 3,
			added: 0,
			indexingState: 'DRY_RUN',
			// Replace sends ids in the order they came (only Sync changes sorts them).
			preview: { add: ['b', 'a', 'c'], remove: [] },
			chunks: { total: 1, applied: 0, failed: 0, notAttempted: 1 },
		});
	});

	it('waits for indexing with the last token until APPLIED', async () => {
		sb.knobs.indexingDelayMs = 400;
		const report = reportOf(
			await runWorkflow(upsert({ options: { waitForIndexing: true, maxIndexingWaitSeconds: 10 } }), {
				credentials: appCredentials(sb),
				triggerItems: idItems(['a', 'b']),
			}),
		);
		const lastToken = (report.indexingTokens as string[]).at(-1);
		expect(report).toMatchObject({ indexingState: 'APPLIED', nbIdsAfter: 2 });
		expect(sb.log.some((entry) => entry.method === 'GET' && entry.url.includes(`indexing_token=${lastToken}`))).toBe(true);
	});

	it('accepts 200 answers to writes as well as 202, and text error bodies', async () => {
		sb.knobs.updateStatus = 200;
		sb.knobs.errorBodyStyle = 'text';
		const report = reportOf(await runWorkflow(upsert({}), { credentials: appCredentials(sb), triggerItems: idItems(['a']) }));
		expect(report.indexingTokens).toHaveLength(1);
		expect(members()).toEqual(['a']);
		sb.failWritesAfter(0, 403);
		const failed = await runWorkflow(upsert({}), { credentials: appCredentials(sb), triggerItems: idItems(['b']) });
		expect(failed.status).toBe('error');
		expect(failed.error?.message).toContain('API_MISUSE (12): Write rejected');
	});
});
