/** Sync changes through n8n's engine: state across production runs, only the changes sent, and the Replace fallbacks. */
import type { IDataObject } from 'n8n-workflow';

import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { customAudienceClient } from '../../sandbox/batch/client';
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
	writesIn,
} from './batch-workflow-helpers';

/** What n8n stores between production runs: the static data as JSON (the harness hands back its live proxy). */
const persisted = (staticData: IDataObject): IDataObject => JSON.parse(JSON.stringify(staticData)) as IDataObject;

describe('Sync changes mode', () => {
	let sb: BatchSandbox;
	beforeAll(async () => {
		sb = await startBatchSandbox({ knobs: { indexingDelayMs: 100 } });
	});
	afterAll(() => sb.close());
	beforeEach(() => sb.reset());

	const workflow = (type: 'batch' | 'batchProfile', options: IDataObject = {}) =>
		nodeWorkflow(type, {
			resource: 'audience',
			operation: 'upsert',
			audience: audience('cohort_sync'),
			mode: 'syncChanges',
			options: { ...FAST_RETRIES, maxIndexingWaitSeconds: 10, ...options },
		});

	const cases = [
		{
			type: 'batch' as const,
			credentials: () => appCredentials(sb),
			members: () => sb.appAudienceIds(sb.appKeys[0], 'cohort_sync'),
		},
		{
			type: 'batchProfile' as const,
			credentials: () => projectCredentials(sb),
			members: () => sb.projectAudienceIds(sb.projectKeys[0], 'cohort_sync'),
		},
	];

	it.each(cases)('$type: first run replaces, later runs send only who entered and who left', async ({ type, credentials, members }) => {
		const first = await runWorkflow(workflow(type), { credentials: credentials(), mode: 'trigger', triggerItems: idItems(['a', 'b', 'c', 'd']) });
		expect(reportOf(first)).toMatchObject({
			effectiveMode: 'replace',
			fallbackReason: expect.stringContaining('did not exist'),
			stateSaved: true,
		});
		expect(members()).toEqual(['a', 'b', 'c', 'd']);
		// The state holds compressed ids under a hashed account key: no key and no plain id in it.
		const stateText = JSON.stringify(first.staticData);
		expect(stateText).not.toContain(sb.appKeys[0]);
		expect(stateText).not.toContain(sb.projectKeys[0]);
		expect(stateText).not.toContain(sb.restApiKey);
		const stored = (persisted(first.staticData).global as { batchAudienceSync: IDataObject }).batchAudienceSync;
		expect(Object.keys(stored)).toEqual([expect.stringMatching(/^(custom-audience|audiences):[0-9a-f]{16}:cohort_sync$/)]);
		const [state] = Object.values(stored);
		expect(state).toMatchObject({ v: 2, count: 4, checksum: expect.any(String), ids: expect.any(String) });

		sb.log.length = 0;
		const second = await runWorkflow(workflow(type), {
			credentials: credentials(),
			mode: 'trigger',
			staticData: persisted(first.staticData),
			triggerItems: idItems(['b', 'c', 'd', 'e', 'f']),
		});
		expect(reportOf(second)).toMatchObject({ effectiveMode: 'syncChanges', fallbackReason: null, added: 2, removed: 1, unchanged: 3 });
		expect(members()).toEqual(['b', 'c', 'd', 'e', 'f']);
		expect(sentIds(sb, 'add')).toEqual(['e', 'f']);
		expect(sentIds(sb, 'remove')).toEqual(['a']);

		sb.log.length = 0;
		const unchanged = await runWorkflow(workflow(type), {
			credentials: credentials(),
			mode: 'trigger',
			staticData: persisted(second.staticData),
			triggerItems: idItems(['f', 'e', 'd', 'c', 'b']),
		});
		expect(reportOf(unchanged)).toMatchObject({ effectiveMode: 'syncChanges', added: 0, removed: 0, indexingState: 'NOTHING_SENT' });
		expect(writesIn(sb)).toEqual([]);
	});

	it('falls back to Replace when the audience changed outside the sync (nb_ids disagrees with the state)', async () => {
		const first = await runWorkflow(workflow('batch'), { credentials: appCredentials(sb), mode: 'trigger', triggerItems: idItems(['a', 'b']) });
		reportOf(first);
		// Someone adds an id by hand; once indexed, nb_ids is 3 while the state says 2.
		await customAudienceClient(sb).call('PATCH', '/cohort_sync', { type: 'custom_ids', ids: [{ action: 'add', id: 'manual' }] });
		const second = await runWorkflow(workflow('batch'), {
			credentials: appCredentials(sb),
			mode: 'trigger',
			staticData: persisted(first.staticData),
			triggerItems: idItems(['b', 'c']),
		});
		expect(reportOf(second)).toMatchObject({
			effectiveMode: 'replace',
			fallbackReason: expect.stringContaining('holds 3 ids but the last sync left 2'),
		});
		expect(sb.appAudienceIds(sb.appKeys[0], 'cohort_sync')).toEqual(['b', 'c']);
	});

	it('waits for pending indexing before comparing, instead of misreading a lagging nb_ids', async () => {
		sb.knobs.indexingDelayMs = 600;
		const first = await runWorkflow(workflow('batch'), { credentials: appCredentials(sb), mode: 'trigger', triggerItems: idItems(['a', 'b', 'c']) });
		reportOf(first);
		// Right away: the replace is still IN_PROGRESS and nb_ids still reads 0.
		const second = await runWorkflow(workflow('batch'), {
			credentials: appCredentials(sb),
			mode: 'trigger',
			staticData: persisted(first.staticData),
			triggerItems: idItems(['a', 'b', 'c', 'd']),
		});
		expect(reportOf(second)).toMatchObject({ effectiveMode: 'syncChanges', added: 1, removed: 0 });
		expect(sb.log.filter((entry) => entry.method === 'GET').length).toBeGreaterThan(1);
	});

	it('falls back to Replace without state (a manual run keeps none) and when the audience is missing', async () => {
		sb.seedAppAudience(sb.appKeys[0], { name: 'cohort_sync', type: 'custom_ids', ids: ['x'] });
		const manual = await runWorkflow(workflow('batch'), { credentials: appCredentials(sb), triggerItems: idItems(['a']) });
		expect(reportOf(manual)).toMatchObject({ effectiveMode: 'replace', fallbackReason: expect.stringContaining('No state') });
		expect(sb.appAudienceIds(sb.appKeys[0], 'cohort_sync')).toEqual(['a']);
	});

	it('a failed sync forgets the state, so the next run starts over with Replace', async () => {
		const first = await runWorkflow(workflow('batch'), { credentials: appCredentials(sb), mode: 'trigger', triggerItems: idItems(['a']) });
		reportOf(first);
		sb.failWritesAfter(0, 400);
		const failed = await runWorkflow(workflow('batch'), {
			credentials: appCredentials(sb),
			mode: 'trigger',
			staticData: persisted(first.staticData),
			triggerItems: idItems(['a', 'b']),
		});
		expect(failed.status).toBe('error');
		expect(persisted(failed.staticData).global).toEqual({ batchAudienceSync: {} });
	});

	it('a dry run shows the changes it would send without writing or moving the state', async () => {
		const first = await runWorkflow(workflow('batch'), { credentials: appCredentials(sb), mode: 'trigger', triggerItems: idItems(ids(3)) });
		reportOf(first);
		sb.log.length = 0;
		const dry = await runWorkflow(workflow('batch', { dryRun: true }), {
			credentials: appCredentials(sb),
			mode: 'trigger',
			staticData: persisted(first.staticData),
			triggerItems: idItems([...ids(2), 'new']),
		});
		expect(reportOf(dry)).toMatchObject({ effectiveMode: 'syncChanges', preview: { add: ['new'], remove: ['user-0000002'] } });
		expect(writesIn(sb)).toEqual([]);
		expect(persisted(dry.staticData)).toEqual(persisted(first.staticData));
	});
});
