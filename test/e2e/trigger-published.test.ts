/**
 * examples/cohort-changed-trigger.json published in a real n8n (`n8n start`, its own poll scheduler, every
 * minute): the activation poll records the cohorts, each poll after a recomputation starts one execution
 * that exports exactly the recomputed cohorts into their audiences, and a poll with nothing changed starts
 * no execution and no export. Read from the sandboxes and n8n's database.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { startAmplitudeSandbox, type AmplitudeSandbox, type CohortSpec } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_PROJECT_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { loadExample } from '../../scripts/n8n/examples';
import { importAndPublish, isDone, sqliteExecutions, startMain, type N8nInstance } from '../../scripts/n8n/instances';
import { waitFor } from '../../scripts/n8n/processes';
import { buildPackage, ensureN8nInstalled, prepareUserFolder, runN8nCli, type N8nRuntime } from '../../scripts/n8n/runtime';
import { sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';

jest.setTimeout(12 * 60 * 1000);

const WORKFLOW_ID = 'amplitudeCohortChangedTrigger';
const COHORT_A: CohortSpec = { id: 'trigA', name: 'Trigger A', size: 300, anonymousRatio: 0, churn: 0.05 };
const COHORT_B: CohortSpec = { id: 'trigB', name: 'Trigger B', size: 120, anonymousRatio: 0, churn: 0.1 };
const AUDIENCE = { trigA: 'amplitude_trigger_a', trigB: 'amplitude_trigger_b' };
/** n8n polls at most once a minute; a poll lands somewhere in each minute. */
const POLL_WAIT_MS = 150_000;

describe('the Amplitude Trigger example, published in n8n', () => {
	let runtime: N8nRuntime;
	let userFolder: string;
	let amplitude: AmplitudeSandbox;
	let batch: BatchSandbox;
	let main: N8nInstance | undefined;
	const workDir = mkdtempSync(path.join(tmpdir(), 'n8n-trigger-'));

	beforeAll(async () => {
		runtime = ensureN8nInstalled();
		buildPackage();
		userFolder = prepareUserFolder();
		amplitude = await startAmplitudeSandbox({ cohorts: [COHORT_A, COHORT_B], knobs: { exportDurationMs: 300 } });
		batch = await startBatchSandbox();
		const credentialsFile = path.join(workDir, 'credentials.json');
		writeFileSync(credentialsFile, JSON.stringify(sandboxCredentials(amplitude.url, batch.url)));
		const imported = await runN8nCli(runtime, userFolder, ['import:credentials', `--input=${credentialsFile}`]);
		expect(imported.stdout + imported.stderr).toMatch(/Successfully imported 3 credentials/);

		// The example as shipped, watching this test's two cohorts and polling every minute.
		const workflow = loadExample('cohort-changed-trigger.json');
		for (const node of workflow.nodes) {
			if (node.name === 'Cohort changed') {
				node.parameters = {
					...node.parameters,
					pollTimes: { item: [{ mode: 'everyMinute' }] },
					cohorts: { cohort: [COHORT_A, COHORT_B].map((cohort) => ({ cohort: { __rl: true, mode: 'id', value: cohort.id } })) },
				};
			}
			if (node.name === 'Get cohort') {
				node.parameters = { ...node.parameters, options: { ...(node.parameters.options as IDataObject), pollIntervalSeconds: 0.2 } };
			}
		}
		await importAndPublish(runtime, userFolder, workDir, [workflow], [WORKFLOW_ID]);
	});

	afterAll(async () => {
		await main?.stop();
		await Promise.all([amplitude?.close(), batch?.close()]);
		if (userFolder) rmSync(userFolder, { recursive: true, force: true });
		rmSync(workDir, { recursive: true, force: true });
	});

	const identified = async (cohortId: string) => {
		const ids: string[] = [];
		for await (const member of amplitude.members(cohortId)) if (member.user_id) ids.push(member.user_id);
		return ids.sort();
	};
	const executions = async () => (await sqliteExecutions(runtime, userFolder)).filter((row) => row.workflowId === WORKFLOW_ID);
	/** Cohort-list calls so far: each poll makes one (and each Get cohort run one more). */
	const listings = () => amplitude.log.filter((entry) => entry.url.startsWith('/api/3/cohorts')).length;
	const describe = () => main?.output().slice(-3000) ?? '';

	async function nextPoll(): Promise<void> {
		const before = listings();
		await waitFor('the next poll', () => (listings() > before ? true : undefined), { timeoutMs: POLL_WAIT_MS, intervalMs: 250, describe });
	}

	async function execution(n: number) {
		return await waitFor(
			`execution ${n} to end`,
			async () => {
				const rows = await executions();
				return rows.length >= n && isDone(rows[n - 1]) ? rows[n - 1] : undefined;
			},
			{ timeoutMs: POLL_WAIT_MS, intervalMs: 500, describe },
		);
	}

	it('fires once per cohort change, and exports nothing when nothing changed', async () => {
		main = await startMain(runtime, userFolder);
		// The activation poll (n8n runs one when it activates the workflow) records both cohorts.
		await waitFor('the activation poll', () => (listings() > 0 ? true : undefined), { timeoutMs: 60_000, describe });
		await nextPoll();
		expect(await executions()).toEqual([]);
		expect(amplitude.exportsStarted).toBe(0);

		// A is recomputed: one execution, one export, A's audience filled.
		amplitude.recompute({ ids: ['trigA'] });
		const first = await execution(1);
		expect(first).toMatchObject({ mode: 'trigger', status: 'success' });
		expect(amplitude.exportsStarted).toBe(1);
		expect(amplitude.exports.map((job) => job.cohortId)).toEqual(['trigA']);
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, AUDIENCE.trigA)).toEqual(await identified('trigA'));

		// Nothing changes: the next poll starts nothing.
		await nextPoll();
		await new Promise((resolve) => setTimeout(resolve, 5000));
		expect(await executions()).toHaveLength(1);
		expect(amplitude.exportsStarted).toBe(1);

		// Both are recomputed (members change): one execution, two exports, each into its own audience.
		amplitude.recompute({ ids: ['trigA', 'trigB'] });
		const second = await execution(2);
		expect(second).toMatchObject({ mode: 'trigger', status: 'success' });
		expect(amplitude.exportsStarted).toBe(3);
		expect(amplitude.exports.slice(1).map((job) => job.cohortId).sort()).toEqual(['trigA', 'trigB']);
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, AUDIENCE.trigA)).toEqual(await identified('trigA'));
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, AUDIENCE.trigB)).toEqual(await identified('trigB'));
	});
});
