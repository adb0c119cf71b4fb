/**
 * The example workflows whose nodes are all ours (plus a trigger) run through n8n's engine against the
 * sandboxes: a first sync, then a re-sync after the cohort changed. (The real-n8n end-to-end test runs
 * every example, including the one with n8n's own IF and HTTP Request nodes.)
 */
import type { IDataObject } from 'n8n-workflow';

import { DEFAULT_COHORTS, startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_APP_KEY, BATCH_SANDBOX_PROJECT_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { EXAMPLE_COHORT_IDS, loadExample } from '../../scripts/n8n/examples';
import { sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';
import { runWorkflow } from '../harness/workflow-runner';

describe('example workflows through the engine', () => {
	let amplitude: AmplitudeSandbox;
	let batch: BatchSandbox;
	let credentials: Record<string, IDataObject>;

	beforeAll(async () => {
		amplitude = await startAmplitudeSandbox({ knobs: { exportDurationMs: 200 } });
		batch = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
		credentials = Object.fromEntries(sandboxCredentials(amplitude.url, batch.url).map((c) => [c.type, c.data]));
	});
	afterAll(() => Promise.all([amplitude.close(), batch.close()]));

	/** The example with a fast poll interval (the only change: the sandbox answers in 200 ms). */
	function example(file: string) {
		const workflow = loadExample(file);
		for (const node of workflow.nodes) {
			if (node.name === 'Get cohort') node.parameters = { ...node.parameters, options: { ...(node.parameters.options as IDataObject), pollIntervalSeconds: 0.2 } };
		}
		return workflow;
	}

	async function identifiedMembers(cohortId: string) {
		const ids: string[] = [];
		for await (const member of amplitude.members(cohortId)) if (member.user_id) ids.push(member.user_id);
		return ids.sort();
	}

	it('cohort-to-batch-profile.json: full sync, then only the changes', async () => {
		const first = await runWorkflow(example('cohort-to-batch-profile.json'), { credentials: credentials as never, mode: 'trigger' });
		expect(first.status).toBe('success');
		const firstReport = first.nodes['Upsert audience'].items[0][0].json;
		expect(firstReport).toMatchObject({ effectiveMode: 'replace', success: true });
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'amplitude_trial_users')).toEqual(await identifiedMembers(EXAMPLE_COHORT_IDS.profile));

		const cohort = DEFAULT_COHORTS.find((spec) => spec.id === EXAMPLE_COHORT_IDS.profile)!;
		amplitude.setCohort({ ...cohort, revision: 1, churn: 0.01 });
		const batchRequestsBefore = batch.log.length;
		const second = await runWorkflow(example('cohort-to-batch-profile.json'), {
			credentials: credentials as never,
			mode: 'trigger',
			staticData: first.staticData,
		});
		expect(second.status).toBe('success');
		const report = second.nodes['Upsert audience'].items[0][0].json;
		const expected = await identifiedMembers(EXAMPLE_COHORT_IDS.profile);
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'amplitude_trial_users')).toEqual(expected);
		expect(report).toMatchObject({ effectiveMode: 'syncChanges', success: true });
		expect((report.added as number) + (report.removed as number)).toBeGreaterThan(0);
		expect((report.added as number) + (report.removed as number)).toBeLessThanOrEqual(2 * 50);
		// Only the changes travel: a view, one add chunk and one remove chunk, and the view (with the last indexing
		// token) that records the audience as the run left it.
		expect(batch.log.length - batchRequestsBefore).toBeLessThanOrEqual(4);
	});

	it('big-cohort-to-batch-profile.json: the cohort as a CSV file, no id in the items, then only the changes', async () => {
		const file = 'big-cohort-to-batch-profile.json';
		const audience = 'amplitude_trial_users_csv';
		const cohort = DEFAULT_COHORTS.find((spec) => spec.id === EXAMPLE_COHORT_IDS.bigCohortCsv)!;
		amplitude.setCohort({ ...cohort, revision: 5, churn: 0.01 });
		const first = await runWorkflow(example(file), { credentials: credentials as never, mode: 'trigger' });
		expect(first.status).toBe('success');
		// One item: the members travel in its binary field, not in the JSON n8n saves with the execution.
		const [csvItem, ...others] = first.nodes['Get cohort'].items[0];
		expect(others).toEqual([]);
		expect(csvItem.binary?.data).toMatchObject({ mimeType: 'text/csv', fileName: `amplitude-cohort-${cohort.id}.csv` });
		expect(JSON.stringify(csvItem.json).length).toBeLessThan(2000);
		expect(first.nodes['Upsert audience'].items[0][0].json).toMatchObject({ effectiveMode: 'replace', success: true });
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, audience)).toEqual(await identifiedMembers(cohort.id));

		amplitude.setCohort({ ...cohort, revision: 6, churn: 0.01 });
		const batchRequestsBefore = batch.log.length;
		const second = await runWorkflow(example(file), { credentials: credentials as never, mode: 'trigger', staticData: first.staticData });
		expect(second.status).toBe('success');
		const report = second.nodes['Upsert audience'].items[0][0].json;
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, audience)).toEqual(await identifiedMembers(cohort.id));
		expect(report).toMatchObject({ effectiveMode: 'syncChanges', success: true });
		expect((report.added as number) + (report.removed as number)).toBeGreaterThan(0);
		expect((report.added as number) + (report.removed as number)).toBeLessThanOrEqual(2 * 50);
		expect(batch.log.length - batchRequestsBefore).toBeLessThanOrEqual(4);
	});

	it('cohort-to-batch-app.json: the compact output replaces the app audience', async () => {
		batch.seedAppAudience(BATCH_SANDBOX_APP_KEY, { name: 'amplitude_power_users', type: 'custom_ids', ids: ['left-long-ago'] });
		const result = await runWorkflow(example('cohort-to-batch-app.json'), { credentials: credentials as never });
		expect(result.status).toBe('success');
		expect(result.nodes['Get cohort'].items[0]).toHaveLength(1);
		expect(batch.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'amplitude_power_users')).toEqual(await identifiedMembers(EXAMPLE_COHORT_IDS.app));
		expect(result.nodes['Upsert audience'].items[0][0].pairedItem).toBeDefined();
	});
});
