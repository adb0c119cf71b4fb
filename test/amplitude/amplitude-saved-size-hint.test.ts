/**
 * Get cohort warns, through n8n's execution hints, when One Item per Member outputs more than 100,000 items:
 * what a saved execution will store, and the CSV File output instead. Run through n8n's engine against the
 * Amplitude sandbox.
 */
import type { IDataObject, NodeExecutionHint } from 'n8n-workflow';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { runWorkflow, type WorkflowRunResult } from '../harness/workflow-runner';

const BIG = { id: 'big100001', name: 'Just above the hint', size: 100_001, anonymousRatio: 0 };
const AT_LIMIT = { id: 'big100000', name: 'At the hint limit', size: 100_000, anonymousRatio: 0 };

let sb: AmplitudeSandbox;
beforeAll(async () => {
	sb = await startAmplitudeSandbox({ cohorts: [BIG, AT_LIMIT], knobs: { exportDurationMs: 50 } });
});
afterAll(async () => await sb.close());

async function getCohort(cohortId: string, parameters: IDataObject): Promise<WorkflowRunResult> {
	return await runWorkflow(
		{
			nodes: [
				{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: '2',
					name: 'Get cohort',
					type: 'n8n-nodes-amplitude-batch.amplitude',
					typeVersion: 1,
					position: [200, 0],
					parameters: {
						resource: 'cohort',
						operation: 'get',
						cohort: { __rl: true, mode: 'id', value: cohortId },
						options: { pollIntervalSeconds: 0.05 },
						...parameters,
					},
					credentials: { amplitudeCohortsApi: { id: '1', name: 'Amplitude sandbox' } },
				},
			],
			connections: { Start: { main: [[{ node: 'Get cohort', type: 'main', index: 0 }]] } },
		},
		{ credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: sb.url } } },
	);
}

/** The hints about the saved execution's size (a manual run also gets the export count's hint). */
function hintsOf(result: WorkflowRunResult): NodeExecutionHint[] {
	expect(result.status).toBe('success');
	const runs = result.run.data.resultData.runData['Get cohort'];
	const hints = (runs[runs.length - 1] as { hints?: NodeExecutionHint[] }).hints ?? [];
	return hints.filter((hint) => /database|CSV File/.test(hint.message));
}

describe('the execution hint on big per-member outputs', () => {
	it('above 100,000 items: says what the saved execution stores and points to the CSV File output', async () => {
		const result = await getCohort(BIG.id, { outputFormat: 'items' });
		expect(result.nodes['Get cohort'].items[0]).toHaveLength(100_001);
		const hints = hintsOf(result);
		expect(hints).toHaveLength(1);
		expect(hints[0]).toMatchObject({ type: 'warning', location: 'outputPane' });
		// 100,001 items × 160 bytes ≈ 16 MB.
		expect(hints[0].message).toMatch(/^100,001 items: .*n8n's database, about 16 MB here \(~160 bytes an item/);
		expect(hints[0].message).toContain('"CSV File"');
	});

	it('at 100,000 items, or with the compact and CSV File outputs: no hint', async () => {
		expect(hintsOf(await getCohort(AT_LIMIT.id, { outputFormat: 'items' }))).toEqual([]);
		expect(hintsOf(await getCohort(BIG.id, { outputFormat: 'compact' }))).toEqual([]);
		expect(hintsOf(await getCohort(BIG.id, { outputFormat: 'binary' }))).toEqual([]);
	});
});
