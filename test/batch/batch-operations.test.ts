/** Get, Get Many, Delete and Remove Members on both nodes, Batch Profile's Upsert specifics, and the audience pickers. */
import type { ICredentialDataDecryptedObject, IDataObject, IHttpRequestOptions, ILoadOptionsFunctions } from 'n8n-workflow';

import { Batch } from '../../nodes/Batch/Batch.node';
import { BatchProfile } from '../../nodes/Batch/BatchProfile.node';
import { BatchApi } from '../../credentials/BatchApi.credentials';
import { BatchProfileApi } from '../../credentials/BatchProfileApi.credentials';
import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import {
	FAST_RETRIES,
	appCredentials,
	audience,
	idItems,
	ids,
	nodeWorkflow,
	projectCredentials,
	reportOf,
	runWorkflow,
	sentIds,
} from './batch-workflow-helpers';

describe('Batch and Batch Profile: audience operations', () => {
	let sb: BatchSandbox;
	beforeAll(async () => {
		sb = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
	});
	afterAll(() => sb.close());
	beforeEach(() => sb.reset());

	const nodes = [
		{
			type: 'batch' as const,
			credentials: () => appCredentials(sb),
			seed: (name: string, members: string[] = []) => sb.seedAppAudience(sb.appKeys[0], { name, type: 'custom_ids', ids: members }),
			members: (name: string) => sb.appAudienceIds(sb.appKeys[0], name),
			exists: (name: string) => sb.appAudience(sb.appKeys[0], name) !== undefined,
		},
		{
			type: 'batchProfile' as const,
			credentials: () => projectCredentials(sb),
			seed: (name: string, members: string[] = []) => sb.seedProjectAudience(sb.projectKeys[0], { name, ids: members }),
			members: (name: string) => sb.projectAudienceIds(sb.projectKeys[0], name),
			exists: (name: string) => sb.projectAudience(sb.projectKeys[0], name) !== undefined,
		},
	];

	const run = (node: (typeof nodes)[number], parameters: IDataObject, triggerItems = [{ json: {} }], settings: IDataObject = {}) =>
		runWorkflow(nodeWorkflow(node.type, { resource: 'audience', options: FAST_RETRIES, ...parameters }, settings), {
			credentials: node.credentials(),
			triggerItems,
		});

	describe.each(nodes)('$type', (node) => {
		it('Upsert reads its credential once for all its calls, not once per call', async () => {
			const upsert = { operation: 'upsert', audience: audience('big'), mode: 'replace', identifierSource: 'listField', listField: 'userIds' };
			const result = await run(node, upsert, [{ json: { userIds: ids(25_000) } }]);
			expect(result.status).toBe('success');
			expect(node.members('big')).toHaveLength(25_000);
			// view, create, then three writes of up to 10,000 ids
			expect(sb.log.length).toBeGreaterThanOrEqual(5);
			expect(result.credentialReads).toEqual({ [node.type === 'batch' ? 'batchApi' : 'batchProfileApi']: 1 });
		});

		it('Get returns the audience with its size, one item per input item', async () => {
			node.seed('one', ['a', 'b']);
			node.seed('two', ['c']);
			const result = await run(node, { operation: 'get', audience: audience('={{ $json.name }}') }, [
				{ json: { name: 'one' } },
				{ json: { name: 'two' } },
			]);
			expect(result.status).toBe('success');
			expect(result.nodes.Sync.items[0].map((item) => [item.json.name, item.json.nb_ids, item.pairedItem])).toEqual([
				['one', 2, { item: 0 }],
				['two', 1, { item: 1 }],
			]);
		});

		it('Get of a missing audience fails, or yields an error item with Continue On Fail', async () => {
			const failed = await run(node, { operation: 'get', audience: audience('missing') });
			expect(failed.error?.message).toContain('Get audience "missing" failed: Batch answered 404');
			const continued = await run(node, { operation: 'get', audience: audience('missing') }, [{ json: {} }], { onError: 'continueRegularOutput' });
			expect(continued.nodes.Sync.items[0]).toEqual([{ json: { error: expect.stringContaining('404') }, pairedItem: { item: 0 } }]);
		});

		it('Get Many pages through every audience with Return All, and stops at the limit', async () => {
			for (let i = 0; i < 230; i++) node.seed(`aud_${i}`);
			const all = await run(node, { operation: 'getAll', returnAll: true });
			expect(all.nodes.Sync.items[0]).toHaveLength(230);
			expect(new Set(all.nodes.Sync.items[0].map((item) => item.json.name)).size).toBe(230);
			const lists = sb.log.filter((entry) => entry.method === 'GET');
			expect(lists).toHaveLength(3);
			expect(lists.every((entry) => /limit=100\b/.test(entry.url))).toBe(true);

			const some = await run(node, { operation: 'getAll', returnAll: false, limit: 7 });
			expect(some.nodes.Sync.items[0]).toHaveLength(7);
			expect(sb.log.at(-1)?.url).toMatch(/limit=7\b/);
		});

		it('Delete drops the audience', async () => {
			node.seed('gone', ['a']);
			const result = await run(node, { operation: 'delete', audience: audience('gone') });
			expect(result.nodes.Sync.items[0][0].json).toMatchObject({ name: 'gone', deleted: true });
			expect(node.exists('gone')).toBe(false);
		});

		it('Remove Members takes ids out and never creates a missing audience', async () => {
			node.seed('vip', ['a', 'b', 'c']);
			const parameters = { operation: 'removeMembers', identifierSource: 'items', identifier: '={{ $json.user_id }}' };
			const report = reportOf(await run(node, { ...parameters, audience: audience('vip') }, idItems(['a', 'c'])));
			expect(report).toMatchObject({ mode: 'remove', removed: 2 });
			expect(node.members('vip')).toEqual(['b']);
			expect(sentIds(sb, 'remove')).toEqual(['a', 'c']);

			const missing = reportOf(await run(node, { ...parameters, audience: audience('nobody') }, idItems(['a'])));
			expect(missing).toMatchObject({ removed: 0, notes: [expect.stringContaining('nothing to remove')] });
			expect(node.exists('nobody')).toBe(false);
		});

		it('Upsert Replace from a binary CSV of 30,000 rows', async () => {
			node.seed('csv_aud', ['stale']);
			const members = ids(30_000);
			const csv = ['amplitude_id,user_id', ...members.map((id, i) => `${i},"${id}"`)].join('\r\n');
			const report = reportOf(
				await run(
					node,
					{
						operation: 'upsert',
						mode: 'replace',
						audience: audience('csv_aud'),
						identifierSource: 'binaryCsv',
						binaryPropertyName: 'cohort',
						csvColumn: 'user_id',
					},
					[{ json: {}, binary: { cohort: { data: Buffer.from(csv).toString('base64'), mimeType: 'text/csv' } } }] as never,
				),
			);
			expect(report).toMatchObject({ unique: 30_000, added: 30_000, chunks: { total: 3, applied: 3 } });
			expect(node.members('csv_aud')).toEqual(members);
		});
	});

	it('Batch Profile creates a Customer User ID audience with its display name, and sends attributes on add', async () => {
		const report = reportOf(
			await runWorkflow(
				nodeWorkflow('batchProfile', {
					resource: 'audience',
					operation: 'upsert',
					audience: audience('profile_aud'),
					displayName: 'Power users (Amplitude)',
					attributes: { attribute: [{ name: 'plan', value: '={{ $json.plan }}' }, { name: 'empty', value: '' }] },
					options: FAST_RETRIES,
				}),
				{ credentials: projectCredentials(sb), triggerItems: idItems(['p1', 'p2'], (_id, i) => ({ plan: i ? 'free' : 'pro' })) },
			),
		);
		expect(report).toMatchObject({ audienceCreated: true, added: 2 });
		const stored = sb.projectAudience(sb.projectKeys[0], 'profile_aud')!;
		expect(stored).toMatchObject({ type: 'custom_ids', displayName: 'Power users (Amplitude)' });
		expect(Object.fromEntries(stored.ids)).toEqual({ p1: { attributes: { plan: 'pro' } }, p2: { attributes: { plan: 'free' } } });
		const create = sb.log.find((entry) => entry.url.endsWith('/audiences/create'));
		expect(create?.url).toMatch(/^\/2\.\d+\/audiences\/create$/);
		expect(create?.headers['x-batch-project']).toBe(sb.projectKeys[0]);
		expect(create?.headers.authorization).toBe(`Bearer ${sb.restApiKey}`);
	});

	it('Batch sends no attributes for Custom User IDs (API 1.0 takes none)', async () => {
		await runWorkflow(
			nodeWorkflow('batch', {
				resource: 'audience',
				operation: 'upsert',
				audience: audience('plain'),
				attributes: { attribute: [{ name: 'plan', value: 'pro' }] },
				options: FAST_RETRIES,
			}),
			{ credentials: appCredentials(sb), triggerItems: idItems(['a']) },
		);
		expect(sb.appAudienceIds(sb.appKeys[0], 'plain')).toEqual(['a']);
		expect(sb.log.find((entry) => entry.method === 'PATCH')?.body).not.toContain('attributes');
	});

	describe('audience pickers and credential tests', () => {
		/** A load-options context whose HTTP goes through the credential's own authenticate. */
		const pickerContext = (credentialType: string, credentials: IDataObject, parameters: IDataObject = {}) => {
			const credential = credentialType === 'batchApi' ? new BatchApi() : new BatchProfileApi();
			return {
				getCredentials: async () => credentials,
				getCurrentNodeParameter: (name: string) => parameters[name],
				getNode: () => ({ name: 'Picker', type: 'test', typeVersion: 1, parameters: {} }),
				helpers: {
					httpRequestWithAuthentication: async (_type: string, request: IHttpRequestOptions) => {
						const options = await credential.authenticate(credentials as ICredentialDataDecryptedObject, request);
						const url = new URL(options.url);
						for (const [key, value] of Object.entries(options.qs ?? {})) url.searchParams.set(key, String(value));
						const response = await fetch(url, { method: options.method, headers: { ...(options.headers as Record<string, string>), accept: 'application/json' } });
						const text = await response.text();
						return { statusCode: response.status, headers: { 'retry-after': response.headers.get('retry-after') ?? undefined }, body: text ? JSON.parse(text) : undefined };
					},
				},
			} as unknown as ILoadOptionsFunctions;
		};

		it('Batch lists the app audiences of the chosen identifier type, filtered and paged', async () => {
			for (let i = 0; i < 120; i++) sb.seedAppAudience(sb.appKeys[0], { name: `cohort_${i}`, type: 'custom_ids', ids: i === 5 ? ['a'] : [] });
			sb.seedAppAudience(sb.appKeys[0], { name: 'cohort_installs', type: 'install_ids' });
			const search = new Batch().methods.listSearch.searchAudiences;
			const ctx = pickerContext('batchApi', appCredentials(sb).batchApi, { identifierType: 'customUserId' });
			const first = await search.call(ctx, 'cohort_');
			expect(first.paginationToken).toBe('100');
			const second = await search.call(ctx, 'cohort_', first.paginationToken);
			expect(second.paginationToken).toBeUndefined();
			const names = [...first.results, ...second.results].map((result) => result.value);
			expect(names).toHaveLength(120);
			expect(names).not.toContain('cohort_installs');
			// Filtering is case-insensitive; matches further down come with the next page, as the editor scrolls.
			const filtered = await search.call(ctx, 'COHORT_5');
			expect(filtered.results.map((result) => result.value)).toEqual(Array.from({ length: 10 }, (_, i) => `cohort_${59 - i}`));
			const more = await search.call(ctx, 'COHORT_5', filtered.paginationToken);
			expect(more.results).toEqual([{ name: 'cohort_5 (1 IDs)', value: 'cohort_5' }]);
			// A name deep in the list is found in one search: pages without a match are read on.
			expect((await search.call(ctx, 'cohort_3')).results.map((result) => result.value)).toContain('cohort_39');
			expect((await search.call(ctx, 'installs')).results).toEqual([]);
		});

		it('Batch Profile lists project audiences with their display names, following next_from', async () => {
			for (let i = 0; i < 105; i++) sb.seedProjectAudience(sb.projectKeys[0], { name: `seg_${i}`, displayName: `Segment ${i}` });
			const search = new BatchProfile().methods.listSearch.searchAudiences;
			const ctx = pickerContext('batchProfileApi', projectCredentials(sb).batchProfileApi);
			const first = await search.call(ctx);
			expect(first.results).toHaveLength(100);
			const second = await search.call(ctx, undefined, first.paginationToken);
			expect(second.results).toHaveLength(5);
			expect((await search.call(ctx, 'segment 42')).results).toEqual([{ name: 'Segment 42 — seg_42 (0 IDs)', value: 'seg_42' }]);
		});

		it('the credential tests list audiences with the right authentication', async () => {
			const appTest = new BatchApi().test.request;
			expect(appTest.url).toContain('/1.0/');
			expect(appTest.url).toContain('custom-audience');
			const projectTest = new BatchProfileApi().test.request;
			const response = await fetch(`${sb.url}${String(projectTest.url)}?limit=1`, {
				headers: { authorization: `Bearer ${sb.restApiKey}`, 'x-batch-project': sb.projectKeys[0] },
			});
			expect(response.status).toBe(200);
			const appResponse = await fetch(`${sb.url}/1.0/${sb.appKeys[0]}/custom-audience?limit=1`, {
				headers: { 'x-authorization': sb.restApiKey },
			});
			expect(appResponse.status).toBe(200);
		});
	});
});
