/**
 * End to end in a real n8n (pinned 2.x on Node 24, installed once into a cache folder outside the clone):
 * the built package is installed the way a community install does, sandbox credentials are imported,
 * and each example workflow is imported and run with `n8n import:workflow` + `n8n execute`.
 * The sandboxes' true state is asserted afterwards.
 *
 * The same run on the n8n 1.x line, on this machine's own Node 20 (not part of `npm test`):
 *
 *   N8N_VERSION=1.123.81 N8N_NODE=system npx jest test/e2e/real-n8n
 *
 * The first run installs n8n 1.123.81 into ~/.cache/n8n-nodes-amplitude-batch/n8n-1.123.81-system-node20
 * (about 1.7 GB; 10-15 minutes on 2 busy cores, half of it building sqlite3); later runs take about
 * 2 minutes. On Node < 22 the runtime sets N8N_EXPRESSION_ENGINE=legacy (see n8nEnv in
 * scripts/n8n/runtime.ts): the default "vm" engine of n8n >= 1.123.66 needs isolated-vm, i.e. Node >= 22.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_APP_KEY, BATCH_SANDBOX_PROJECT_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { startNotificationSink, type NotificationSink } from '../../sandbox/notifications';
import { EXAMPLE_COHORT_IDS, exampleFiles, loadExample, withManualTrigger, withNotificationUrl } from '../../scripts/n8n/examples';
import {
	buildPackage,
	ensureN8nInstalled,
	parseExecuteOutput,
	prepareUserFolder,
	runN8nCli,
	type N8nRuntime,
} from '../../scripts/n8n/runtime';
import { sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';

jest.setTimeout(30 * 60 * 1000);

type RunData = Record<string, Array<{ data?: { main: Array<Array<{ json: Record<string, unknown> }>> }; error?: { message: string } }>>;

describe('example workflows in a real n8n', () => {
	let runtime: N8nRuntime;
	let userFolder: string;
	let amplitude: AmplitudeSandbox;
	let batch: BatchSandbox;
	let sink: NotificationSink;
	const workDir = mkdtempSync(path.join(tmpdir(), 'n8n-e2e-files-'));

	beforeAll(async () => {
		runtime = ensureN8nInstalled();
		// An exact N8N_VERSION must be the n8n that runs (a range such as 1.123 resolves to its newest).
		const requested = process.env.N8N_VERSION;
		if (requested && /^\d+\.\d+\.\d+$/.test(requested)) expect(runtime.n8nVersion).toBe(requested);
		buildPackage();
		userFolder = prepareUserFolder();
		amplitude = await startAmplitudeSandbox({ knobs: { exportDurationMs: 1500 } });
		batch = await startBatchSandbox();
		sink = await startNotificationSink();

		const credentialsFile = path.join(workDir, 'credentials.json');
		writeFileSync(credentialsFile, JSON.stringify(sandboxCredentials(amplitude.url, batch.url)));
		const imported = await runN8nCli(runtime, userFolder, ['import:credentials', `--input=${credentialsFile}`]);
		expect(imported.stdout + imported.stderr).toMatch(/Successfully imported 3 credentials/);
	});

	afterAll(async () => {
		await Promise.all([amplitude?.close(), batch?.close(), sink?.close()]);
		if (userFolder) rmSync(userFolder, { recursive: true, force: true });
		rmSync(workDir, { recursive: true, force: true });
	});

	async function importAndExecute(file: string): Promise<{ status?: string; runData: RunData; error?: unknown }> {
		const workflow = withNotificationUrl(withManualTrigger(loadExample(file)), sink.url);
		const workflowFile = path.join(workDir, file);
		writeFileSync(workflowFile, JSON.stringify([{ ...workflow, active: false }]));
		const imported = await runN8nCli(runtime, userFolder, ['import:workflow', `--input=${workflowFile}`]);
		expect(imported.stdout + imported.stderr).toMatch(/Successfully imported 1 workflow/);
		const executed = await runN8nCli(runtime, userFolder, ['execute', `--id=${workflow.id}`, '--rawOutput']);
		const output = parseExecuteOutput(executed.stdout);
		return { status: output.status, runData: output.data.resultData.runData as RunData, error: output.data.resultData.error };
	}

	const lastJson = (runData: RunData, node: string) => {
		const runs = runData[node];
		expect(runs).toBeDefined();
		const run = runs[runs.length - 1];
		if (run.error) throw new Error(`${node} failed: ${run.error.message}`);
		return run.data!.main[0]!.map((item) => item.json);
	};

	it('finds the examples', () => {
		expect(exampleFiles()).toEqual(
			expect.arrayContaining([
				'big-cohort-to-batch-profile.json',
				'cohort-to-batch-app.json',
				'cohort-to-batch-profile.json',
				'cohort-sync-with-alert.json',
			]),
		);
	});

	it('cohort-to-batch-profile.json syncs the cohort into the project audience', async () => {
		const { status, runData, error } = await importAndExecute('cohort-to-batch-profile.json');
		expect(error).toBeUndefined();
		expect(status).toBe('success');
		const [report] = lastJson(runData, 'Upsert audience');
		const expected = await identifiedUserIds(amplitude, EXAMPLE_COHORT_IDS.profile);
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'amplitude_trial_users')).toEqual(expected);
		expect(report).toMatchObject({ audience: 'amplitude_trial_users', added: expected.length, removed: 0 });
	});

	it('big-cohort-to-batch-profile.json hands the cohort over as a CSV file in n8n\'s binary data storage', async () => {
		const { status, runData, error } = await importAndExecute('big-cohort-to-batch-profile.json');
		expect(error).toBeUndefined();
		expect(status).toBe('success');
		const [cohort] = lastJson(runData, 'Get cohort');
		expect(cohort).toMatchObject({ fileName: `amplitude-cohort-${EXAMPLE_COHORT_IDS.bigCohortCsv}.csv` });
		expect(cohort.userIds).toBeUndefined();
		const [report] = lastJson(runData, 'Upsert audience');
		const expected = await identifiedUserIds(amplitude, EXAMPLE_COHORT_IDS.bigCohortCsv);
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'amplitude_trial_users_csv')).toEqual(expected);
		expect(report).toMatchObject({ audience: 'amplitude_trial_users_csv', added: expected.length, removed: 0 });
	});

	it('cohort-to-batch-app.json replaces the app audience with the compact cohort output', async () => {
		batch.seedAppAudience(BATCH_SANDBOX_APP_KEY, { name: 'amplitude_power_users', type: 'custom_ids', ids: ['stale-1', 'stale-2'] });
		const { status, runData, error } = await importAndExecute('cohort-to-batch-app.json');
		expect(error).toBeUndefined();
		expect(status).toBe('success');
		const [cohort] = lastJson(runData, 'Get cohort');
		expect(Array.isArray(cohort.userIds)).toBe(true);
		const expected = await identifiedUserIds(amplitude, EXAMPLE_COHORT_IDS.app);
		expect(batch.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'amplitude_power_users')).toEqual(expected);
	});

	it('cohort-sync-with-alert.json syncs, then posts a notification built from the report', async () => {
		const { status, runData, error } = await importAndExecute('cohort-sync-with-alert.json');
		expect(error).toBeUndefined();
		expect(status).toBe('success');
		const [report] = lastJson(runData, 'Upsert audience');
		const expected = await identifiedUserIds(amplitude, EXAMPLE_COHORT_IDS.alert);
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'amplitude_weekly_actives')).toEqual(expected);
		expect(sink.received).toHaveLength(1);
		expect(JSON.stringify(sink.received[0])).toContain(String(report.added));
	});
});

async function identifiedUserIds(sandbox: AmplitudeSandbox, cohortId: string): Promise<string[]> {
	const ids: string[] = [];
	for await (const member of sandbox.members(cohortId)) if (member.user_id) ids.push(member.user_id);
	return ids.sort();
}
