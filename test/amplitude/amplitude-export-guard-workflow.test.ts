/**
 * Get cohort's export bookkeeping through n8n's engine against the Amplitude sandbox: Skip If Unchanged
 * across production runs (static data carried between runs as n8n does), the maximum age, manual runs,
 * the monthly budget, and exportsThisMonth in the outputs.
 */
import type { IDataObject, INodeExecutionData, NodeExecutionHint } from 'n8n-workflow';

import { nextResetOf, monthOf } from '../../nodes/Amplitude/exports/export-budget';
import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { runWorkflow, type RunOptions, type WorkflowRunResult } from '../harness/workflow-runner';

const byId = (cohortId: string) => ({ __rl: true, mode: 'id', value: cohortId });

function workflow(parameters: IDataObject) {
	return {
		nodes: [
			{ id: '1', name: 'Schedule Trigger', type: 'n8n-nodes-base.scheduleTrigger', typeVersion: 1.2, position: [0, 0] as [number, number], parameters: {} },
			{
				id: '2',
				name: 'Get cohort',
				type: 'n8n-nodes-amplitude-batch.amplitude',
				typeVersion: 1,
				position: [200, 0] as [number, number],
				parameters: { resource: 'cohort', operation: 'get', cohort: byId('abc123'), ...parameters },
				credentials: { amplitudeCohortsApi: { id: '1', name: 'Amplitude sandbox' } },
			},
		],
		connections: { 'Schedule Trigger': { main: [[{ node: 'Get cohort', type: 'main' as const, index: 0 }]] } },
	};
}

let sb: AmplitudeSandbox;
beforeEach(async () => {
	sb = await startAmplitudeSandbox({ knobs: { exportDurationMs: 100 } });
});
afterEach(async () => await sb.close());

/** A production run (mode trigger) unless told otherwise, with the static data n8n saved after the last one. */
async function run(parameters: IDataObject, options: IDataObject, staticData: IDataObject = {}, mode: RunOptions['mode'] = 'trigger') {
	return await runWorkflow(workflow({ ...parameters, options: { pollIntervalSeconds: 0.05, ...options } }), {
		credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: sb.url } },
		mode,
		staticData,
	});
}

function output(result: WorkflowRunResult): INodeExecutionData[] {
	if (result.status !== 'success') throw new Error(`run failed: ${result.error?.message}`);
	return result.nodes['Get cohort'].items[0] ?? [];
}

function hintsOf(result: WorkflowRunResult): NodeExecutionHint[] {
	const runs = result.run.data.resultData.runData['Get cohort'];
	return (runs[runs.length - 1] as { hints?: NodeExecutionHint[] }).hints ?? [];
}

/** Moves the recorded export of every cohort `hoursAgo` into the past, as if that much time had gone by. */
function agedBy(staticData: IDataObject, hoursAgo: number): IDataObject {
	const copy = structuredClone(staticData);
	const records = (copy['node:Get cohort'] as IDataObject).amplitudeCohortExports as Record<string, IDataObject>;
	for (const record of Object.values(records)) record.exportedAt = new Date(Date.now() - hoursAgo * 3600_000).toISOString();
	return copy;
}

const skip = { skipIfUnchanged: true };

describe('Skip If Unchanged', () => {
	it('an unchanged cohort costs zero exports on the second production run, and outputs no items', async () => {
		const first = await run({}, skip);
		expect(output(first)).toHaveLength(25);
		expect(sb.exportsStarted).toBe(1);

		const requestsBefore = sb.log.length;
		const second = await run({}, skip, first.staticData);
		expect(second.status).toBe('success');
		expect(sb.exportsStarted).toBe(1);
		expect(output(second)).toEqual([]);
		expect(hintsOf(second)).toEqual([
			expect.objectContaining({ message: expect.stringMatching(/^Cohort "Power users \(small\)": Skipped: cohort unchanged since this node's export of /) }),
		]);
		// Only the free listing was called.
		expect(sb.log.slice(requestsBefore).map((entry) => entry.url.split('?')[0])).toEqual(['/api/3/cohorts']);
	});

	it('a recomputed cohort is exported once, then skipped again', async () => {
		const first = await run({}, skip);
		sb.recompute({ ids: ['abc123'] });
		const second = await run({}, skip, first.staticData);
		expect(output(second)).toHaveLength(25);
		expect(sb.exportsStarted).toBe(2);
		const third = await run({}, skip, second.staticData);
		expect(output(third)).toEqual([]);
		expect(sb.exportsStarted).toBe(2);
	});

	it('a size change alone is enough to export', async () => {
		const first = await run({}, skip);
		// Same seed, same revision: the same lastComputed, five more members.
		sb.setCohort({ id: 'abc123', name: 'Power users (small)', size: 30 });
		const second = await run({}, skip, first.staticData);
		expect(output(second)).toHaveLength(30);
		expect(sb.exportsStarted).toBe(2);
	});

	it('the maximum age forces an export (default 24 hours; a younger export is still skipped)', async () => {
		const first = await run({}, skip);
		const young = await run({}, skip, agedBy(first.staticData, 23));
		expect(output(young)).toEqual([]);
		expect(sb.exportsStarted).toBe(1);
		const old = await run({}, skip, agedBy(first.staticData, 24.5));
		expect(output(old)).toHaveLength(25);
		expect(sb.exportsStarted).toBe(2);
		// With "Export At Least Every" at 48 hours, 24.5 hours is young enough to skip.
		const longer = await run({}, { ...skip, exportAtLeastEveryHours: 48 }, agedBy(old.staticData, 24.5));
		expect(output(longer)).toEqual([]);
		expect(sb.exportsStarted).toBe(2);
	});

	it('a manual run always exports and writes no cohort record', async () => {
		const first = await run({}, skip);
		const manual = await run({}, skip, first.staticData, 'manual');
		expect(output(manual)).toHaveLength(25);
		expect(sb.exportsStarted).toBe(2);
		const fresh = await run({}, skip, {}, 'manual');
		expect(output(fresh)).toHaveLength(25);
		expect(JSON.stringify(fresh.staticData)).not.toContain('amplitudeCohortExports');
	});

	it('records nothing when the export fails, so the next run exports again', async () => {
		sb.knobs.failNextExports = 1;
		const failed = await run({}, skip);
		expect(failed.status).toBe('error');
		expect(sb.exportsStarted).toBe(1);
		expect(JSON.stringify(failed.staticData)).not.toContain('amplitudeCohortExports');
		const next = await run({}, skip, failed.staticData);
		expect(output(next)).toHaveLength(25);
		expect(sb.exportsStarted).toBe(2);
	});

	it('is off by default: every production run exports', async () => {
		const first = await run({}, {});
		const second = await run({}, {}, first.staticData);
		expect(output(second)).toHaveLength(25);
		expect(sb.exportsStarted).toBe(2);
	});
});

describe('exports this month and the budget', () => {
	it('counts exports per project in static data, shown in the compact and CSV File outputs, never the key', async () => {
		const first = await run({ outputFormat: 'compact' }, {});
		expect(output(first)[0].json).toMatchObject({ exportsThisMonth: 1, phases: expect.any(Object) });
		const second = await run({ outputFormat: 'binary' }, {}, first.staticData);
		expect(output(second)[0].json).toMatchObject({ exportsThisMonth: 2, fileName: 'amplitude-cohort-abc123.csv' });
		const third = await run({}, {}, second.staticData);
		expect(hintsOf(third)).toEqual([expect.objectContaining({ message: expect.stringContaining('3 exports of this Amplitude project started by this workflow this month') })]);
		const counts = (third.staticData.global as IDataObject).amplitudeExportCounts as Record<string, IDataObject>;
		expect(Object.values(counts)).toEqual([{ month: monthOf(Date.now()), count: 3 }]);
		expect(JSON.stringify(third.staticData)).not.toContain(sb.apiKey);
		expect(JSON.stringify(third.staticData)).not.toContain(sb.secretKey);
	});

	it('a skipped run does not count', async () => {
		const first = await run({ outputFormat: 'compact' }, skip);
		await run({ outputFormat: 'compact' }, skip, first.staticData);
		sb.recompute({ ids: ['abc123'] });
		const third = await run({ outputFormat: 'compact' }, skip, first.staticData);
		expect(output(third)[0].json.exportsThisMonth).toBe(2);
	});

	it('the budget stops the node before the export, with the count, the budget, the reset date and the advice', async () => {
		const budget = { monthlyExportBudget: 2 };
		const first = await run({ outputFormat: 'compact' }, budget);
		const second = await run({ outputFormat: 'compact' }, budget, first.staticData);
		expect(output(second)[0].json.exportsThisMonth).toBe(2);
		const requestsBefore = sb.log.length;
		const third = await run({ outputFormat: 'compact' }, budget, second.staticData);
		expect(third.status).toBe('error');
		expect(sb.exportsStarted).toBe(2);
		// Only the free listing was called.
		expect(sb.log.slice(requestsBefore).map((entry) => entry.url.split('?')[0])).toEqual(['/api/3/cohorts']);
		const reset = nextResetOf(Date.now()).toISOString().slice(0, 10);
		expect(third.error?.message).toContain('started 2 exports of this Amplitude project');
		expect(third.error?.message).toContain('the budget is 2');
		expect(third.error?.message).toContain(`starts again on ${reset}`);
		expect(third.error?.message).toContain('Skip If Unchanged');
		expect(third.error?.message).toContain('Amplitude Trigger');
		// A count from an earlier month no longer applies.
		const lastMonth = structuredClone(second.staticData);
		for (const count of Object.values((lastMonth.global as IDataObject).amplitudeExportCounts as Record<string, IDataObject>)) count.month = '2000-01';
		const newMonth = await run({ outputFormat: 'compact' }, budget, lastMonth);
		expect(output(newMonth)[0].json.exportsThisMonth).toBe(1);
	});

	it('a budget or maximum age that is not a number ≥ 0 is an error before any export', async () => {
		const badBudget = await run({}, { monthlyExportBudget: '={{ -5 }}' });
		expect(badBudget.error?.message).toBe('"Monthly Export Budget" must be a number of exports, 0 for no budget, not -5');
		const badAge = await run({}, { ...skip, exportAtLeastEveryHours: '={{ "daily" }}' });
		expect(badAge.error?.message).toBe('"Export At Least Every (Hours)" must be a number of hours, 0 or more, not "daily"');
		expect(sb.exportsStarted).toBe(0);
	});
});
