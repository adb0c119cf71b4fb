/**
 * Production runs as users have them: a Schedule Trigger workflow (every 15 s) → Get cohort (one item with
 * all ids) → Batch Profile Upsert (Sync Changes), published with `n8n publish:workflow` before `n8n start`,
 * fired by n8n's own schedule, each execution saved in n8n's database. The test changes the sandbox between
 * runs (when none is under way and the next is not about to start, so the next run is the first to see the
 * change, however busy the machine) and reads each run's end from n8n's database, then asserts what reached
 * Batch:
 *   run 1 fills the audience; run 2 (cohort unchanged) sends no write; run 3 (1% of the cohort replaced)
 *   sends exactly that change; a manual test run of a copy of the workflow puts another cohort in the same
 *   audience, and run 4 repairs it; an outside edit replaces the audience's ids (same size), and run 5
 *   repairs it; run 6 (nothing changed) sends no write again. After every production run the audience
 *   equals the cohort.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startAmplitudeSandbox, type AmplitudeSandbox, type CohortSpec } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_PROJECT_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import type { LoggedRequest } from '../../sandbox/shared/server';
import { importAndPublish, isDone, sqliteExecutions, startMain, type ExecutionRow, type N8nInstance } from '../../scripts/n8n/instances';
import { OWNER } from '../../scripts/n8n/launch';
import { waitFor } from '../../scripts/n8n/processes';
import { buildPackage, ensureN8nInstalled, prepareUserFolder, runN8nCli, type N8nRuntime } from '../../scripts/n8n/runtime';
import { sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';
import { syncWorkflow } from '../../scripts/n8n/sync-workflow';

jest.setTimeout(10 * 60 * 1000);

const AUDIENCE = 'prod_schedule_audience';
const PRODUCTION_ID = 'prodScheduleSync';
const MANUAL_ID = 'prodScheduleManualCopy';
const EVERY_SECONDS = 15;
const COHORT_A: CohortSpec = { id: 'prodA', name: 'Production cohort A', size: 1000, anonymousRatio: 0, churn: 0.01, revision: 0 };
/** Same size as A, other members: what a manual test run of another cohort leaves in the audience. */
const COHORT_B: CohortSpec = { id: 'prodB', name: 'Manual test cohort B', size: 1000, anonymousRatio: 0, seed: 424242 };

const WRITE_PATH = /\/audiences\/(create|update|replace|remove)$/;

interface Writes {
	calls: LoggedRequest[];
	replaced: string[];
	added: string[];
	removed: string[];
}

describe('a published Schedule Trigger workflow under n8n start', () => {
	let runtime: N8nRuntime;
	let userFolder: string;
	let amplitude: AmplitudeSandbox;
	let batch: BatchSandbox;
	let main: N8nInstance | undefined;
	const workDir = mkdtempSync(path.join(tmpdir(), 'n8n-prod-'));

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
		await importAndPublish(
			runtime,
			userFolder,
			workDir,
			[
				syncWorkflow({ id: PRODUCTION_ID, cohortId: COHORT_A.id, audience: AUDIENCE, output: 'compact', everySeconds: EVERY_SECONDS }),
				syncWorkflow({ id: MANUAL_ID, cohortId: COHORT_B.id, audience: AUDIENCE, output: 'compact' }),
			],
			[PRODUCTION_ID],
		);
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
	const audienceIds = () => batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, AUDIENCE);

	/** The Batch writes received while an execution ran (by time: one clock, one machine), with their ids. */
	const writesDuring = (execution: ExecutionRow): Writes => {
		const [from, to] = [toMs(execution.startedAt!), toMs(execution.stoppedAt!)];
		const calls = batch.log.filter(
			(entry) => entry.time >= from && entry.time <= to && entry.method === 'POST' && WRITE_PATH.test(new URL(entry.url, 'http://x').pathname),
		);
		const writes: Writes = { calls, replaced: [], added: [], removed: [] };
		for (const call of calls) {
			const body = JSON.parse(call.body ?? '{}') as { ids?: Array<{ id: string; action?: string }> };
			const kind = /replace$/.test(call.url) ? 'replace' : 'update';
			for (const entry of body.ids ?? []) {
				if (kind === 'replace') writes.replaced.push(entry.id);
				else if (entry.action === 'remove') writes.removed.push(entry.id);
				else writes.added.push(entry.id);
			}
		}
		writes.replaced.sort();
		writes.added.sort();
		writes.removed.sort();
		return writes;
	};

	const executions = async (workflowId: string) => (await sqliteExecutions(runtime, userFolder)).filter((row) => row.workflowId === workflowId);

	/** Waits for the n-th production execution to end (n8n's database) and returns it with the writes it made. */
	const productionRun = async (n: number): Promise<{ execution: ExecutionRow; writes: Writes }> => {
		const execution = await waitFor(
			`production run ${n} to end`,
			async () => {
				const runs = (await executions(PRODUCTION_ID)).filter((row) => row.mode === 'trigger');
				return runs.length >= n && isDone(runs[n - 1]) ? runs[n - 1] : undefined;
			},
			{ timeoutMs: (EVERY_SECONDS + 45) * 1000, intervalMs: 300, describe: () => main?.output().slice(-3000) ?? '' },
		);
		expect(execution.status).toBe('success');
		// One run at a time: the schedule fires every 15 s and a run takes a few seconds.
		const next = (await executions(PRODUCTION_ID)).filter((row) => row.mode === 'trigger')[n];
		if (next) expect(toMs(next.startedAt!)).toBeGreaterThan(toMs(execution.stoppedAt!));
		return { execution, writes: writesDuring(execution) };
	};

	/**
	 * Waits for a moment between two production runs (none under way, the next one due in `gapMs` or more:
	 * runs fire every EVERY_SECONDS from the last one's start), then makes `change` and returns the number the
	 * next run will have: that run, and not one already under way on a busy machine, is the first to see it.
	 */
	const betweenRuns = async (change: () => unknown, gapMs = 2000): Promise<number> => {
		let count = 0;
		await waitFor(
			`${gapMs} ms between two production runs`,
			async () => {
				const runs = (await executions(PRODUCTION_ID)).filter((row) => row.mode === 'trigger');
				if (runs.length === 0 || !runs.every(isDone)) return undefined;
				// (Past it, the run it started may not be in the database yet: then wait for it.)
				const nextDue = toMs(runs[runs.length - 1].startedAt!) + EVERY_SECONDS * 1000;
				count = runs.length;
				return nextDue - Date.now() >= gapMs ? true : undefined;
			},
			{ timeoutMs: (4 * EVERY_SECONDS + 30) * 1000, intervalMs: 100, describe: () => main?.output().slice(-3000) ?? '' },
		);
		await change();
		return count + 1;
	};

	const changeCohortA = (revision: number) =>
		amplitude.setCohort({ ...COHORT_A, revision, lastComputed: Math.floor(Date.now() / 1000) });

	it('fills, keeps, updates and repairs the audience run after run', async () => {
		main = await startMain(runtime, userFolder);

		// Run 1: no state yet: the audience is filled with the cohort.
		const run1 = await productionRun(1);
		const cohort0 = await identified(COHORT_A.id);
		expect(audienceIds()).toEqual(cohort0);
		expect(run1.writes.calls.length).toBeGreaterThan(0);

		// Run 2: the cohort did not change: not a single write.
		const run2 = await productionRun(2);
		expect(run2.writes.calls).toEqual([]);
		expect(audienceIds()).toEqual(cohort0);

		// Run 3: 1% of the cohort replaced: only those who entered and who left are sent.
		const third = await betweenRuns(() => changeCohortA(1));
		const cohort1 = await identified(COHORT_A.id);
		const entered = cohort1.filter((id) => !cohort0.includes(id));
		const left = cohort0.filter((id) => !cohort1.includes(id));
		expect(entered.length).toBe(10);
		const run3 = await productionRun(third);
		expect(run3.writes.replaced).toEqual([]);
		expect(run3.writes.added).toEqual(entered);
		expect(run3.writes.removed).toEqual(left);
		expect(audienceIds()).toEqual(cohort1);

		// A manual test run ("Execute workflow" in the editor) of a copy of the workflow on cohort B, same audience.
		// Started between two production runs, with time to end before the next one.
		let manual = { executionId: '' };
		const fourth = await betweenRuns(async () => (manual = await runManually(main!.url!, MANUAL_ID)), (EVERY_SECONDS - 6) * 1000);
		const manualRun = await waitFor('the manual run to end', async () => {
			const row = (await executions(MANUAL_ID)).find((candidate) => candidate.id === manual.executionId);
			return row && isDone(row) ? row : undefined;
		});
		expect(manualRun).toMatchObject({ mode: 'manual', status: 'success' });
		expect(audienceIds()).toEqual(await identified(COHORT_B.id));

		// Run 4: cohort A unchanged, but the audience holds B: the run must put A back.
		const run4 = await productionRun(fourth);
		expect(toMs(run4.execution.startedAt!)).toBeGreaterThanOrEqual(toMs(manualRun.stoppedAt!));
		expect(audienceIds()).toEqual(cohort1);

		// An outside edit (the dashboard, another tool): same size, other ids.
		const fifth = await betweenRuns(() => batch.seedProjectAudience(BATCH_SANDBOX_PROJECT_KEY, { name: AUDIENCE, ids: cohort1.map((id) => `outside-${id}`) }));
		expect(audienceIds()).toHaveLength(cohort1.length);
		const run5 = await productionRun(fifth);
		expect(run5.writes.calls.length).toBeGreaterThan(0);
		expect(audienceIds()).toEqual(cohort1);

		// Run 6: nothing changed since the repair: no write, no false alarm.
		const run6 = await productionRun(fifth + 1);
		expect(run6.writes.calls).toEqual([]);
		expect(audienceIds()).toEqual(cohort1);
	});
});

/** n8n's SQLite dates are UTC without a zone ("2026-12-01 09:47:03.123"). */
function toMs(date: string): number {
	return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(date) ? date : `${date.replace(' ', 'T')}Z`).getTime();
}

/** What the editor's "Execute workflow" does: owner login, then POST /rest/workflows/:id/run from its trigger. */
async function runManually(url: string, workflowId: string): Promise<{ executionId: string }> {
	const setup = await fetch(`${url}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(OWNER),
	});
	if (!setup.ok) throw new Error(`owner setup failed: ${setup.status} ${await setup.text()}`);
	const login = await fetch(`${url}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
	});
	const cookie = /n8n-auth=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
	if (!login.ok || !cookie) throw new Error(`login failed: ${login.status} ${await login.text()}`);
	const res = await fetch(`${url}/rest/workflows/${workflowId}/run`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', cookie: `n8n-auth=${cookie}`, 'browser-id': 'e2e' },
		body: JSON.stringify({ triggerToStartFrom: { name: 'Trigger' } }),
	});
	const text = await res.text();
	if (!res.ok) throw new Error(`manual run failed: ${res.status} ${text}`);
	const body = JSON.parse(text) as { data?: { executionId?: string } };
	if (!body.data?.executionId) throw new Error(`manual run did not start an execution: ${text}`);
	return { executionId: String(body.data.executionId) };
}
