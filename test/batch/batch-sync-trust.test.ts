/**
 * Sync changes under production conditions, through n8n's engine: outside edits, manual runs between
 * production runs, overlapping runs, failed runs, empty inputs, removal limits, several audiences in one
 * run. After any of them, the next successful production run must leave the audience equal to its input.
 */
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
	writesIn,
	type RunOptions,
} from './batch-workflow-helpers';

const persisted = (staticData: IDataObject): IDataObject => JSON.parse(JSON.stringify(staticData)) as IDataObject;

/** Batch dates have one-second precision: a write in the same second as the sync's last one is invisible. */
const nextSecond = async () => await new Promise((resolve) => setTimeout(resolve, 1100));

const states = (staticData: IDataObject) =>
	((persisted(staticData).global as IDataObject | undefined)?.batchAudienceSync ?? {}) as Record<string, IDataObject>;

describe('Sync changes stays exact under production conditions', () => {
	let sb: BatchSandbox;
	beforeAll(async () => {
		sb = await startBatchSandbox({ knobs: { indexingDelayMs: 50 } });
	});
	afterAll(() => sb.close());
	beforeEach(() => sb.reset());

	const workflow = (options: IDataObject = {}, parameters: IDataObject = {}) =>
		nodeWorkflow('batch', {
			resource: 'audience',
			operation: 'upsert',
			audience: audience('cohort_sync'),
			mode: 'syncChanges',
			options: { ...FAST_RETRIES, maxIndexingWaitSeconds: 10, ...options },
			...parameters,
		});
	const members = (name = 'cohort_sync') => sb.appAudienceIds(sb.appKeys[0], name);
	const production = async (input: Array<string | null>, staticData?: IDataObject, extra: Partial<RunOptions> = {}) =>
		await runWorkflow(workflow(), {
			credentials: appCredentials(sb),
			mode: 'trigger',
			staticData: staticData && persisted(staticData),
			triggerItems: idItems(input),
			...extra,
		});

	it('repairs an audience replaced from outside with as many other ids', async () => {
		const cohort = ids(9000);
		const first = await production(cohort);
		expect(members()).toEqual(cohort);
		await nextSecond();
		// Another tool replaces the audience with 9,000 other ids: nb_ids still matches the state.
		const others = ids(9000, 'other-').map((id) => ({ id }));
		await customAudienceClient(sb).call('PUT', '/cohort_sync', { ids: others });
		expect(members()).toHaveLength(9000);

		const next = await production(cohort, first.staticData);
		expect(reportOf(next)).toMatchObject({ effectiveMode: 'replace', fallbackCheck: 'updatedChanged' });
		expect(members()).toEqual(cohort);
	});

	it('repairs what a manual Sync Changes run did between production runs (n8n keeps no state for it)', async () => {
		const first = await production(['a', 'b', 'c', 'd']);
		await nextSecond();
		const manual = await production(['a', 'b', 'c', 'e'], first.staticData, { mode: 'manual' });
		expect(reportOf(manual)).toMatchObject({ effectiveMode: 'syncChanges', added: 1, removed: 1 });
		expect(members()).toEqual(['a', 'b', 'c', 'e']);

		// n8n saves no static data for the manual run: the next production run starts from the first run's state.
		const next = await production(['a', 'b', 'c', 'd'], first.staticData);
		expect(reportOf(next)).toMatchObject({ effectiveMode: 'replace', fallbackCheck: 'updatedChanged' });
		expect(members()).toEqual(['a', 'b', 'c', 'd']);
	});

	it('overlapping production runs take turns, and whichever state n8n keeps, the next run is exact', async () => {
		const first = await production(ids(30));
		await nextSecond();
		sb.faults.set({ latencyMs: 30 });
		// Both start from the same state, as two executions of one workflow do.
		const [slow, tick] = await Promise.all([
			production([...ids(30).slice(5), 'slow-1', 'slow-2'], first.staticData),
			production([...ids(30).slice(0, 25), 'tick-1'], first.staticData),
		]);
		const finalInput = [...ids(30).slice(0, 25), 'tick-1'];
		expect(reportOf(slow).success).toBe(true);
		expect(reportOf(tick).success).toBe(true);
		// The run that went second saw the other's writes and replaced: the audience is its input.
		const [firstDone, secondDone] = [slow, tick].sort(
			(a, b) => Date.parse(String(reportOf(a).finishedAt)) - Date.parse(String(reportOf(b).finishedAt)),
		);
		expect(reportOf(secondDone)).toMatchObject({ effectiveMode: 'replace' });
		expect(['sizeChanged', 'updatedChanged']).toContain(reportOf(secondDone).fallbackCheck);
		const secondInput = secondDone === tick ? finalInput : [...ids(30).slice(5), 'slow-1', 'slow-2'];
		expect(members()).toEqual([...secondInput].sort());

		await nextSecond();
		for (const kept of [firstDone, secondDone]) {
			const next = await production(finalInput, kept.staticData);
			expect(reportOf(next).success).toBe(true);
			expect(members()).toEqual([...finalInput].sort());
		}
	});

	it('ten production runs of an unchanged cohort send zero writes after the first', async () => {
		const cohort = ids(25_000);
		let run = await production(cohort);
		const writesPerRun: number[] = [];
		for (let i = 0; i < 10; i++) {
			sb.log.length = 0;
			run = await production(cohort, run.staticData);
			expect(reportOf(run)).toMatchObject({ effectiveMode: 'syncChanges', fallbackCheck: null, added: 0, removed: 0 });
			writesPerRun.push(writesIn(sb).length);
		}
		expect(writesPerRun).toEqual(Array(10).fill(0));
		expect(members()).toEqual(cohort);
	});

	it('a run that cannot confirm the indexing of its writes makes the next one Replace', async () => {
		sb.knobs.indexingDelayMs = 5000;
		const first = await runWorkflow(workflow({ maxIndexingWaitSeconds: 0 }), {
			credentials: appCredentials(sb),
			mode: 'trigger',
			triggerItems: idItems(['a', 'b']),
		});
		expect(reportOf(first).notes).toEqual(expect.arrayContaining([expect.stringContaining('had not finished indexing')]));
		sb.knobs.indexingDelayMs = 0;
		const next = await production(['a', 'b'], first.staticData);
		expect(reportOf(next)).toMatchObject({ effectiveMode: 'replace', fallbackCheck: 'unconfirmedLastRun' });
	});

	it('Full Resync Every replaces when the last full Replace is older than the option', async () => {
		const first = await production(['a', 'b']);
		const [key] = Object.keys(states(first.staticData));
		const aged = persisted(first.staticData);
		const entry = ((aged.global as IDataObject).batchAudienceSync as Record<string, IDataObject>)[key];
		expect(entry.fullSyncAt).toEqual(expect.any(String));
		entry.fullSyncAt = new Date(Date.now() - 169 * 3_600_000).toISOString();
		// Off (0): the aged state is trusted.
		const off = await runWorkflow(workflow({ fullResyncEveryHours: 0 }), {
			credentials: appCredentials(sb),
			mode: 'trigger',
			staticData: aged,
			triggerItems: idItems(['a', 'b']),
		});
		expect(reportOf(off)).toMatchObject({ effectiveMode: 'syncChanges', fallbackCheck: null });
		const next = await production(['a', 'b'], aged);
		expect(reportOf(next)).toMatchObject({
			effectiveMode: 'replace',
			fallbackCheck: 'fullResyncDue',
			fallbackReason: expect.stringContaining('Full Resync Every 168 h'),
		});
		expect(states(next.staticData)[key].fullSyncAt).not.toEqual(entry.fullSyncAt);
	});

	it('a state saved before this check existed is trusted only after one Replace', async () => {
		const first = await production(['a', 'b']);
		const old = persisted(first.staticData);
		for (const entry of Object.values((old.global as IDataObject).batchAudienceSync as Record<string, IDataObject>)) {
			delete entry.audience;
			delete entry.fullSyncAt;
		}
		const next = await production(['a', 'b'], old);
		expect(reportOf(next)).toMatchObject({ effectiveMode: 'replace', fallbackCheck: 'stateWithoutSnapshot' });
		const after = await production(['a', 'b'], next.staticData);
		expect(reportOf(after)).toMatchObject({ effectiveMode: 'syncChanges', fallbackCheck: null });
	});

	describe('no valid id, no removal', () => {
		it.each([
			['every user_id empty (anonymous members)', idItems(['', '', '']), {}],
			['a mistyped mapping', idItems(['a', 'b']), { identifier: '={{ $json.userid }}' }],
			['the wrong upstream format (a compact item)', [{ json: { userIds: ['a', 'b'] } }], {}],
		])('%s: fails naming the likely cause and writes nothing', async (_case, input, parameters) => {
			const first = await production(['a', 'b', 'c', 'd']);
			sb.log.length = 0;
			const run = await runWorkflow(workflow({}, parameters), {
				credentials: appCredentials(sb),
				mode: 'trigger',
				staticData: persisted(first.staticData),
				triggerItems: input,
			});
			expect(run.status).toBe('error');
			expect(run.error?.message).toContain('No valid identifier');
			expect(run.error?.message).toContain('Member ID mapping');
			expect(run.error?.message).toContain('anonymous');
			expect(writesIn(sb)).toEqual([]);
			expect(members()).toEqual(['a', 'b', 'c', 'd']);
		});

		it('an empty CSV fails the same way', async () => {
			const first = await production(['a', 'b']);
			sb.log.length = 0;
			const csv = Buffer.from('"amplitude_id","user_id"\n').toString('base64');
			const run = await runWorkflow(workflow({}, { identifierSource: 'binaryCsv', binaryPropertyName: 'data', csvColumn: 'user_id' }), {
				credentials: appCredentials(sb),
				mode: 'trigger',
				staticData: persisted(first.staticData),
				triggerItems: [{ json: {}, binary: { data: { data: csv, mimeType: 'text/csv', fileName: 'cohort.csv' } } }],
			});
			expect(run.status).toBe('error');
			expect(run.error?.message).toContain('"ID Column" (user_id)');
			expect(writesIn(sb)).toEqual([]);
			expect(members()).toEqual(['a', 'b']);
		});
	});

	describe('Maximum Share Removed Per Run', () => {
		it('refuses, before any write, a run that would remove more than the share, and the dry run shows the number', async () => {
			const first = await production(ids(10));
			sb.log.length = 0;
			const limited = { maxRemovedSharePercent: 20 };
			const dry = await runWorkflow(workflow({ ...limited, dryRun: true }), {
				credentials: appCredentials(sb),
				mode: 'trigger',
				staticData: persisted(first.staticData),
				triggerItems: idItems(ids(5)),
			});
			expect(reportOf(dry).preview).toMatchObject({ removeCount: 5, removeShare: 0.5, removeCountIsLowerBound: false });
			expect(reportOf(dry).notes).toEqual(expect.arrayContaining([expect.stringContaining('would remove 5 of the 10')]));

			const run = await runWorkflow(workflow(limited), {
				credentials: appCredentials(sb),
				mode: 'trigger',
				staticData: persisted(first.staticData),
				triggerItems: idItems(ids(5)),
			});
			expect(run.status).toBe('error');
			expect(run.error?.message).toContain('would remove 5 of the 10 members');
			expect(writesIn(sb)).toEqual([]);
			expect(members()).toEqual(ids(10));

			const within = await runWorkflow(workflow(limited), {
				credentials: appCredentials(sb),
				mode: 'trigger',
				staticData: persisted(first.staticData),
				triggerItems: idItems(ids(9)),
			});
			expect(reportOf(within)).toMatchObject({ removed: 1 });
		});

		it('counts at least what a Replace of an unknown audience drops', async () => {
			sb.seedAppAudience(sb.appKeys[0], { name: 'cohort_sync', type: 'custom_ids', ids: ids(10) });
			const run = await runWorkflow(workflow({ maxRemovedSharePercent: 50 }, { mode: 'replace' }), {
				credentials: appCredentials(sb),
				triggerItems: idItems(['x']),
			});
			expect(run.status).toBe('error');
			expect(run.error?.message).toContain('would remove at least 9 of the 10 members');
			expect(members()).toEqual(ids(10));
		});
	});

	describe('one sync per distinct audience', () => {
		const mapped = (options: IDataObject = {}) =>
			nodeWorkflow('batchProfile', {
				resource: 'audience',
				operation: 'upsert',
				audience: { __rl: true, mode: 'name', value: '={{ $json.audience }}' },
				mode: 'syncChanges',
				identifierSource: 'listField',
				listField: 'userIds',
				options: { ...FAST_RETRIES, ...options },
			});
		const cohorts = [
			{ json: { audience: 'power_users', userIds: ['a', 'b'] } },
			{ json: { audience: 'churn_risk', userIds: ['c'] } },
			{ json: { audience: 'power_users', userIds: ['d'] } },
		];

		it('syncs each audience with its own items, state and report item', async () => {
			const run = await runWorkflow(mapped(), { credentials: projectCredentials(sb), mode: 'trigger', triggerItems: cohorts });
			expect(run.status).toBe('success');
			const reports = run.nodes.Sync.items[0];
			expect(reports.map((item) => [item.json.audience, item.json.unique, item.pairedItem])).toEqual([
				['power_users', 3, [{ item: 0 }, { item: 2 }]],
				['churn_risk', 1, [{ item: 1 }]],
			]);
			expect(sb.projectAudienceIds(sb.projectKeys[0], 'power_users')).toEqual(['a', 'b', 'd']);
			expect(sb.projectAudienceIds(sb.projectKeys[0], 'churn_risk')).toEqual(['c']);
			expect(Object.keys(states(run.staticData)).map((key) => key.split(':').pop())).toEqual(['power_users', 'churn_risk']);

			const next = await runWorkflow(mapped(), {
				credentials: projectCredentials(sb),
				mode: 'trigger',
				staticData: persisted(run.staticData),
				triggerItems: [cohorts[0], { json: { audience: 'churn_risk', userIds: ['c', 'e'] } }, cohorts[2]],
			});
			expect(next.nodes.Sync.items[0].map((item) => [item.json.audience, item.json.effectiveMode, item.json.added])).toEqual([
				['power_users', 'syncChanges', 0],
				['churn_risk', 'syncChanges', 1],
			]);
		});

		it('items of one audience that disagree on the mode get a clear error, and nothing is written', async () => {
			const workflowJson = mapped();
			workflowJson.nodes[1].parameters.mode = '={{ $json.mode }}';
			const run = await runWorkflow(workflowJson, {
				credentials: projectCredentials(sb),
				triggerItems: [
					{ json: { audience: 'power_users', mode: 'add', userIds: ['a'] } },
					{ json: { audience: 'power_users', mode: 'replace', userIds: ['b'] } },
				],
			});
			expect(run.status).toBe('error');
			expect(run.error?.message).toContain('Items 0 and 1 both go to audience "power_users" but with a different mode');
			expect(writesIn(sb)).toEqual([]);
		});
	});

	it('a big dry run keeps 20 ids per list in JSON, every planned change in a CSV, and says so in a hint', async () => {
		const run = await runWorkflow(workflow({ dryRun: true }), { credentials: appCredentials(sb), mode: 'trigger', triggerItems: idItems(ids(12_000)) });
		const report = reportOf(run);
		expect((report.preview as IDataObject).add).toHaveLength(20);
		const file = run.nodes.Sync.items[0][0].binary?.preview;
		const lines = Buffer.from(file!.data, 'base64').toString().trim().split('\n');
		expect(lines[0]).toBe('"action","id"');
		expect(lines.slice(1)).toHaveLength(12_000);
		expect(lines[1]).toBe('"replace","user-0000000"');
		const runs = run.run.data.resultData.runData.Sync;
		expect((runs[runs.length - 1] as { hints?: Array<{ message: string }> }).hints).toEqual([
			expect.objectContaining({ message: expect.stringContaining('lists 12000 ids: they are in its binary fields') }),
		]);
	});

	it('a production run without a state on an audience that has members points to the queue-mode cause', async () => {
		sb.seedAppAudience(sb.appKeys[0], { name: 'cohort_sync', type: 'custom_ids', ids: ['a', 'b'] });
		const run = await production(['a', 'b', 'c']);
		expect(reportOf(run)).toMatchObject({ fallbackCheck: 'noState', fallbackReason: expect.stringContaining('queue mode, run the sync in a sub-workflow') });
	});

	it('an unusable Maximum Share Removed Per Run is an error naming the option', async () => {
		const run = await runWorkflow(workflow({ maxRemovedSharePercent: '={{ "ten" }}' }), {
			credentials: appCredentials(sb),
			mode: 'trigger',
			triggerItems: idItems(['a']),
		});
		expect(run.status).toBe('error');
		expect(run.error?.message).toContain('"Maximum Share Removed Per Run" must be a number between 0 and 100');
		expect(writesIn(sb)).toEqual([]);
	});

	it('prunes the states of audiences no run used for 30 days', async () => {
		const first = await production(['a']);
		const data = persisted(first.staticData);
		const entries = (data.global as IDataObject).batchAudienceSync as Record<string, IDataObject>;
		const [key] = Object.keys(entries);
		const stale = new Date(Date.now() - 31 * 86_400_000).toISOString();
		entries[key.replace(/cohort_sync$/, 'gone')] = { ...entries[key], usedAt: stale, savedAt: stale };
		entries[key.replace(/cohort_sync$/, 'recent')] = { ...entries[key] };
		const next = await production(['a', 'b'], data);
		expect(Object.keys(states(next.staticData)).map((name) => name.split(':').pop()).sort()).toEqual(['cohort_sync', 'recent']);
	});
});
