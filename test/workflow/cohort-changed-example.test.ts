/**
 * examples/cohort-changed-trigger.json as n8n runs it when published: each poll of the Amplitude Trigger
 * (PollContext), and when it emits, an execution that starts with those items (mode "trigger") through
 * Get cohort (ID mapped from the trigger) into one Batch Profile audience per cohort (Sync Changes).
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_PROJECT_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { loadExample } from '../../scripts/n8n/examples';
import { sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';
import { runPoll } from '../harness/poll-runner';
import { runWorkflow } from '../harness/workflow-runner';

const AUDIENCES = { abc123: 'amplitude_power_users_small', mno345: 'amplitude_weekly_actives_changes_every_revision' };

describe('cohort-changed-trigger.json', () => {
	let amplitude: AmplitudeSandbox;
	let batch: BatchSandbox;
	let credentials: Record<string, IDataObject>;

	beforeAll(async () => {
		amplitude = await startAmplitudeSandbox({ knobs: { exportDurationMs: 100 } });
		batch = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
		credentials = Object.fromEntries(sandboxCredentials(amplitude.url, batch.url).map((c) => [c.type, c.data]));
	});
	afterAll(() => Promise.all([amplitude.close(), batch.close()]));

	const workflow = () => {
		const example = loadExample('cohort-changed-trigger.json');
		for (const node of example.nodes) {
			if (node.name === 'Get cohort') node.parameters = { ...node.parameters, options: { ...(node.parameters.options as IDataObject), pollIntervalSeconds: 0.05 } };
		}
		return example;
	};

	async function identified(cohortId: string): Promise<string[]> {
		const ids: string[] = [];
		for await (const member of amplitude.members(cohortId)) if (member.user_id) ids.push(member.user_id);
		return ids.sort();
	}

	/** One poll; when it emits, the execution it starts. Static data is the workflow's, shared by both, as in n8n. */
	async function tick(staticData: IDataObject) {
		const polled = await runPoll(workflow(), { credentials: credentials as never, staticData });
		if (!polled.emitted) return { emitted: null, staticData: polled.staticData, run: undefined };
		const run = await runWorkflow(workflow(), {
			credentials: credentials as never,
			mode: 'trigger',
			staticData: polled.staticData,
			triggerItems: polled.emitted[0] as INodeExecutionData[],
		});
		if (run.status !== 'success') throw new Error(`run failed: ${run.error?.message}`);
		return { emitted: polled.emitted[0].map((item) => item.json.cohortId), staticData: run.staticData, run };
	}

	it('syncs each recomputed cohort into its own audience, once per change, and exports nothing when nothing changed', async () => {
		const first = await tick({});
		expect(first.emitted).toBeNull();
		expect(amplitude.exportsStarted).toBe(0);

		amplitude.recompute({ ids: ['abc123', 'mno345'] });
		const second = await tick(first.staticData);
		expect(second.emitted).toEqual(['abc123', 'mno345']);
		expect(amplitude.exportsStarted).toBe(2);
		const reports = second.run!.nodes['Upsert audience'].items[0].map((item) => item.json);
		expect(reports.map((report) => report.audience)).toEqual([AUDIENCES.abc123, AUDIENCES.mno345]);
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, AUDIENCES.abc123)).toEqual(await identified('abc123'));
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, AUDIENCES.mno345)).toEqual(await identified('mno345'));
		expect(second.run!.nodes['Get cohort'].items[0].map((item) => item.json.exportsThisMonth)).toEqual([1, 2]);

		const third = await tick(second.staticData);
		expect(third.emitted).toBeNull();
		expect(amplitude.exportsStarted).toBe(2);

		// Weekly actives is recomputed with churn: only it is exported, and its audience follows.
		const before = await identified('mno345');
		amplitude.recompute({ ids: ['mno345'] });
		expect(await identified('mno345')).not.toEqual(before);
		const fourth = await tick(third.staticData);
		expect(fourth.emitted).toEqual(['mno345']);
		expect(amplitude.exportsStarted).toBe(3);
		expect(fourth.run!.nodes['Upsert audience'].items[0][0].json).toMatchObject({ audience: AUDIENCES.mno345, effectiveMode: 'syncChanges' });
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, AUDIENCES.mno345)).toEqual(await identified('mno345'));
		expect(fourth.run!.nodes['Get cohort'].items[0][0].json.exportsThisMonth).toBe(3);
	});
});
