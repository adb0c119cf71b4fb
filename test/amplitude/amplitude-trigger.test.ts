/**
 * Amplitude Trigger (Cohort Changed): polls run as n8n runs them for an active workflow (PollContext,
 * TriggersAndPollers), static data carried between polls, against the Amplitude sandbox; the manual
 * test run goes through n8n's engine.
 */
import type { IDataObject } from 'n8n-workflow';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { runPoll } from '../harness/poll-runner';
import { runWorkflow } from '../harness/workflow-runner';

const picked = (...ids: string[]) => ({ cohort: ids.map((id) => ({ cohort: { __rl: true, mode: id === 'abc123' ? 'list' : 'id', value: id } })) });

function triggerWorkflow(parameters: IDataObject) {
	return {
		nodes: [
			{
				id: 't1',
				name: 'Amplitude Trigger',
				type: 'n8n-nodes-amplitude-batch.amplitudeTrigger',
				typeVersion: 1,
				position: [0, 0] as [number, number],
				parameters: { event: 'cohortChanged', ...parameters },
				credentials: { amplitudeCohortsApi: { id: '1', name: 'Amplitude sandbox' } },
			},
		],
		connections: {},
	};
}

let sb: AmplitudeSandbox;
beforeEach(async () => {
	sb = await startAmplitudeSandbox();
});
afterEach(async () => await sb.close());

const credentials = () => ({ amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: sb.url } });
const poll = async (parameters: IDataObject, staticData?: IDataObject) =>
	await runPoll(triggerWorkflow(parameters), { credentials: credentials(), staticData });
const emittedJson = (result: { emitted: Array<Array<{ json: IDataObject }>> | null }) => result.emitted?.[0].map((item) => item.json) ?? null;
const listed = async (id: string) => {
	const response = await fetch(`${sb.url}/api/3/cohorts`, { headers: { authorization: `Basic ${Buffer.from(`${sb.apiKey}:${sb.secretKey}`).toString('base64')}` } });
	const { cohorts } = (await response.json()) as { cohorts: Array<{ id: string; lastComputed: number; size: number }> };
	return cohorts.find((cohort) => cohort.id === id)!;
};
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** Moves every cohort's last emission `hours` into the past. */
function aged(staticData: IDataObject, hours: number): IDataObject {
	const copy = structuredClone(staticData);
	const stored = (copy['node:Amplitude Trigger'] as IDataObject).amplitudeCohortChanged as { state: { cohorts: Record<string, IDataObject> } };
	for (const seen of Object.values(stored.state.cohorts)) seen.emittedAt = new Date(Date.now() - hours * 3600_000).toISOString();
	return copy;
}

describe('Amplitude Trigger: Cohort Changed', () => {
	const watchTwo = { watch: 'selected', cohorts: picked('abc123', 'jkl012') };

	it('records on the first production poll, then emits exactly the cohorts Amplitude recomputed, with their previous state', async () => {
		const first = await poll(watchTwo);
		expect(first.emitted).toBeNull();
		const second = await poll(watchTwo, first.staticData);
		expect(second.emitted).toBeNull();

		const before = await listed('jkl012');
		sb.recompute({ ids: ['jkl012', 'mno345'], at: Date.UTC(2026, 10, 30, 12) });
		const third = await poll(watchTwo, second.staticData);
		expect(emittedJson(third)).toEqual([
			{
				cohortId: 'jkl012',
				cohortName: 'Visitors, half anonymous',
				size: 60,
				previousSize: 60,
				lastComputed: '2026-11-30T12:00:00.000Z',
				previousLastComputed: iso(before.lastComputed),
				reason: 'changed',
			},
		]);
		expect((await poll(watchTwo, third.staticData)).emitted).toBeNull();

		// A size change alone counts too.
		sb.setCohort({ id: 'abc123', name: 'Power users (small)', size: 26 });
		const fifth = await poll(watchTwo, third.staticData);
		expect(emittedJson(fifth)).toEqual([expect.objectContaining({ cohortId: 'abc123', size: 26, previousSize: 25, reason: 'changed' })]);
		// Polls read the free list only: no export was ever started, and the state holds no key.
		expect(sb.exportsStarted).toBe(0);
		expect(sb.log.every((entry) => entry.url.startsWith('/api/3/cohorts'))).toBe(true);
		expect(JSON.stringify(fifth.staticData)).not.toContain(sb.apiKey);
	});

	it('emits every watched cohort on the first poll when asked', async () => {
		const first = await poll({ ...watchTwo, options: { emitOnFirstPoll: true } });
		expect(emittedJson(first)?.map((change) => [change.cohortId, change.reason, change.previousSize])).toEqual([
			['abc123', 'firstPoll', null],
			['jkl012', 'firstPoll', null],
		]);
		expect((await poll({ ...watchTwo, options: { emitOnFirstPoll: true } }, first.staticData)).emitted).toBeNull();
	});

	it('emits a cohort unchanged for longer than Emit At Least Every (default 24 hours)', async () => {
		const first = await poll(watchTwo);
		expect((await poll(watchTwo, aged(first.staticData, 23))).emitted).toBeNull();
		const old = await poll(watchTwo, aged(first.staticData, 25));
		expect(emittedJson(old)?.map((change) => [change.cohortId, change.reason])).toEqual([
			['abc123', 'maxAge'],
			['jkl012', 'maxAge'],
		]);
		expect((await poll(watchTwo, old.staticData)).emitted).toBeNull();
		const never = { ...watchTwo, options: { emitAtLeastEveryHours: 0 } };
		expect((await poll(never, aged(first.staticData, 1000))).emitted).toBeNull();
	});

	it('watches every cohort whose name contains a text, archived ones left out, and emits new ones as they appear', async () => {
		const byName = { watch: 'nameContains', nameContains: 'USERS', options: { emitOnFirstPoll: true } };
		const first = await poll(byName);
		expect(emittedJson(first)?.map((change) => change.cohortId)).toEqual(['abc123', 'def456']);
		sb.setCohort({ id: 'new001', name: 'New users this week', size: 12 });
		sb.setCohort({ id: 'new002', name: 'Something else', size: 12 });
		const second = await poll(byName, first.staticData);
		expect(emittedJson(second)).toEqual([expect.objectContaining({ cohortId: 'new001', reason: 'new', previousSize: null, previousLastComputed: null })]);
		const archived = await poll({ ...byName, nameContains: 'churned', options: { includeArchived: true, emitOnFirstPoll: true } });
		expect(emittedJson(archived)?.map((change) => change.cohortId)).toEqual(['ghi789']);
	});

	it('a state recorded for another project is not compared with this one', async () => {
		const first = await poll(watchTwo);
		const stored = structuredClone(first.staticData);
		((stored['node:Amplitude Trigger'] as IDataObject).amplitudeCohortChanged as IDataObject).project = 'another-project';
		expect((await poll({ ...watchTwo, options: { emitOnFirstPoll: true } }, stored)).emitted?.[0]).toHaveLength(2);
	});

	it('fails with a clear message when a picked cohort is gone or nothing is picked', async () => {
		await expect(poll({ watch: 'selected', cohorts: picked('abc123', 'gone99') })).rejects.toThrow('Cohort "gone99" not found in this Amplitude project');
		await expect(poll({ watch: 'selected', cohorts: {} })).rejects.toThrow('Pick at least one cohort to watch');
		await expect(poll({ watch: 'nameContains', nameContains: ' ' })).rejects.toThrow('Give the text');
		await expect(poll({ ...watchTwo, options: { emitAtLeastEveryHours: -1 } })).rejects.toThrow(
			'"Emit At Least Every (Hours)" must be a number of hours, 0 or more, not -1',
		);
	});

	it('a manual test run (through the engine) emits the current state of the chosen cohorts and saves nothing', async () => {
		const result = await runWorkflow(triggerWorkflow(watchTwo), { credentials: credentials(), mode: 'manual' });
		expect(result.status).toBe('success');
		const items = result.nodes['Amplitude Trigger'].items[0];
		const small = await listed('abc123');
		expect(items.map((item) => item.json)).toEqual([
			{ cohortId: 'abc123', cohortName: 'Power users (small)', size: 25, previousSize: null, lastComputed: iso(small.lastComputed), previousLastComputed: null, reason: 'manual' },
			expect.objectContaining({ cohortId: 'jkl012', size: 60, reason: 'manual' }),
		]);
		expect(JSON.stringify(result.staticData)).not.toContain('amplitudeCohortChanged');
		const none = await runWorkflow(triggerWorkflow({ watch: 'nameContains', nameContains: 'no such cohort' }), { credentials: credentials(), mode: 'manual' });
		expect(none.status).toBe('error');
		expect(none.error?.message).toBe('No cohort name contains "no such cohort"');
	});
});
