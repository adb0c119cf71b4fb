/**
 * n8n's queue mode as users scale out: real Redis and PostgreSQL, `n8n start` (EXECUTIONS_MODE=queue) and
 * `n8n worker` processes, each with its own user folder and this package installed there as the README
 * says, one encryption key shared by all. Four published Schedule Trigger workflows (every 30 s, all firing
 * at the same moment) sync four cohorts through the three hand-overs (one item per member, one item with
 * all ids, a CSV file through n8n's binary data storage) with Sync Changes, while the Amplitude sandbox
 * enforces Amplitude's per-project limits (5 concurrent requests, 4 parallel exports) with other tools of the
 * project holding part of them. A fifth published schedule syncs a fifth cohort through a published
 * sub-workflow (Execute Workflow → Execute Workflow Trigger → Get cohort → Upsert audience), the shape the
 * README recommends on n8n 2.x. Asserted from the sandboxes, n8n's database and the workers' logs:
 *   - every run is executed by a worker, never by the main, and every format syncs exactly;
 *   - the 429s Amplitude answers are absorbed: all five runs fired together succeed;
 *   - the Sync Changes state saved by worker 1 serves the next run on worker 2: after a 1% change in each
 *     cohort, that run sends only the change: on every n8n version through the sub-workflow; for the four
 *     scheduled workflows that sync directly, on n8n 1.x only (n8n 2.x gives a worker's run no static
 *     data: they fall back to Replace, which keeps the audience exact).
 */
/*
 * The same run on the n8n 1.x line, on this machine's own Node 20 (installs it once, about 10 minutes):
 *
 *   N8N_VERSION=1.123.81 N8N_NODE=system npx jest test/e2e/queue-mode
 *
 * Both n8n lines run the same assertions; where they differ (the four direct syncs' hand-over) the second
 * test says which is expected on which line.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startAmplitudeSandbox, type AmplitudeSandbox, type CohortSpec } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_PROJECT_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import {
	executionsStartedBy,
	importAndPublish,
	isDone,
	startMain,
	startWorker,
	type ExecutionRow,
	type N8nInstance,
} from '../../scripts/n8n/instances';
import { waitFor } from '../../scripts/n8n/processes';
import { buildPackage, ensureN8nInstalled, packPackage, prepareUserFolder, runN8nCli, type N8nRuntime } from '../../scripts/n8n/runtime';
import { sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from '../../scripts/n8n/services';
import { subWorkflowSync, syncWorkflow, type CohortOutput } from '../../scripts/n8n/sync-workflow';

jest.setTimeout(15 * 60 * 1000);

/** Room for a run (a few seconds; more with Amplitude's 429s on a busy machine) before the next one fires. */
const EVERY_SECONDS = 30;

interface Flow {
	/** The scheduled workflow's id. */
	id: string;
	/** Set: the schedule calls this published sub-workflow, which holds Get cohort and Upsert audience. */
	subWorkflowId?: string;
	output: CohortOutput;
	cohort: CohortSpec;
	audience: string;
}

const FLOWS: Flow[] = [
	{ id: 'queueItems', output: 'items', cohort: { id: 'qItems', name: 'Queue: items', size: 800, churn: 0.01, revision: 0 }, audience: 'queue_items' },
	{ id: 'queueCompact', output: 'compact', cohort: { id: 'qCompact', name: 'Queue: compact', size: 1000, churn: 0.01, revision: 0 }, audience: 'queue_compact' },
	// Above 1,000 members the sandbox answers the download with a redirect to its S3, as Amplitude does.
	{ id: 'queueCsv', output: 'binary', cohort: { id: 'qCsv', name: 'Queue: CSV file', size: 2000, churn: 0.01, revision: 0 }, audience: 'queue_csv' },
	{ id: 'queueFourth', output: 'compact', cohort: { id: 'qFourth', name: 'Queue: fourth', size: 1500, churn: 0.01, revision: 0 }, audience: 'queue_fourth' },
	{
		id: 'queueParent',
		subWorkflowId: 'queueSub',
		output: 'compact',
		cohort: { id: 'qSub', name: 'Queue: sub-workflow', size: 1200, churn: 0.01, revision: 0 },
		audience: 'queue_sub',
	},
];

/** The workflow whose static data holds the flow's Sync Changes state and export bookkeeping. */
const stateHolder = (flow: Flow) => flow.subWorkflowId ?? flow.id;

interface Report {
	mode?: string;
	effectiveMode?: string;
	fallbackReason?: string | null;
	added?: number;
	removed?: number;
	success?: boolean;
	/** Get cohort's count of the exports this workflow started this month (its export bookkeeping). */
	exportsThisMonth?: number;
}

describe('queue mode: Redis, Postgres, a main and two workers', () => {
	let runtime: N8nRuntime;
	let redis: RedisServer | undefined;
	let postgres: PostgresServer | undefined;
	let amplitude: AmplitudeSandbox;
	let batch: BatchSandbox;
	let main: N8nInstance | undefined;
	const workers: Record<'worker1' | 'worker2', N8nInstance | undefined> = { worker1: undefined, worker2: undefined };
	let queueEnv: Record<string, string>;
	const folders: Record<'main' | 'worker1' | 'worker2', string> = { main: '', worker1: '', worker2: '' };
	const workDir = mkdtempSync(path.join(tmpdir(), 'n8n-queue-'));
	let tarball = '';

	beforeAll(async () => {
		runtime = ensureN8nInstalled();
		buildPackage();
		tarball = packPackage();
		// One user folder per process, as on separate machines: the package must be installed in each.
		for (const name of Object.keys(folders) as Array<keyof typeof folders>) folders[name] = prepareUserFolder(undefined, tarball);
		[redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
		queueEnv = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: redis.host,
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: postgres.host,
			DB_POSTGRESDB_PORT: String(postgres.port),
			DB_POSTGRESDB_USER: postgres.user,
			DB_POSTGRESDB_PASSWORD: '',
			DB_POSTGRESDB_DATABASE: postgres.database,
			// Workers decrypt the credentials the main stored: every process needs the same key.
			N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
		};

		amplitude = await startAmplitudeSandbox({
			cohorts: FLOWS.map((flow) => flow.cohort),
			knobs: {
				exportDurationMs: 1000,
				// Amplitude's limits per project, part of them taken by other tools of the same project
				// (the Dashboard REST API shares the 5 concurrent requests): four syncs at once must meet 429s.
				concurrencyLimit: 5,
				parallelExportLimit: 4,
				busyRequests: 2,
				busyExports: 2,
			},
		});
		batch = await startBatchSandbox();

		const credentialsFile = path.join(workDir, 'credentials.json');
		writeFileSync(credentialsFile, JSON.stringify(sandboxCredentials(amplitude.url, batch.url)));
		const imported = await runN8nCli(runtime, folders.main, ['import:credentials', `--input=${credentialsFile}`], queueEnv);
		expect(imported.stdout + imported.stderr).toMatch(/Successfully imported 3 credentials/);
		await importAndPublish(
			runtime,
			folders.main,
			workDir,
			FLOWS.flatMap((flow) => {
				const options = { id: flow.id, cohortId: flow.cohort.id, audience: flow.audience, output: flow.output, everySeconds: EVERY_SECONDS };
				return flow.subWorkflowId ? subWorkflowSync({ ...options, subWorkflowId: flow.subWorkflowId }) : [syncWorkflow(options)];
			}),
			// n8n 2.x runs a sub-workflow only once published; 1.x runs it as saved (and activates only
			// workflows with a trigger it can start).
			[...FLOWS.map((flow) => flow.id), ...(runtime.n8nMajor >= 2 ? FLOWS.flatMap((flow) => (flow.subWorkflowId ? [flow.subWorkflowId] : [])) : [])],
			queueEnv,
		);
	});

	afterAll(async () => {
		await Promise.all([main?.stop(), workers.worker1?.stop(), workers.worker2?.stop()]);
		await Promise.all([redis?.stop(), postgres?.stop(), amplitude?.close(), batch?.close()]);
		for (const folder of Object.values(folders)) if (folder) rmSync(folder, { recursive: true, force: true });
		if (tarball) rmSync(path.dirname(tarball), { recursive: true, force: true });
		rmSync(workDir, { recursive: true, force: true });
	});

	const identified = async (cohortId: string) => {
		const ids: string[] = [];
		for await (const member of amplitude.members(cohortId)) if (member.user_id) ids.push(member.user_id);
		return ids.sort();
	};

	const executions = async (): Promise<ExecutionRow[]> =>
		(
			await postgres!.query<ExecutionRow>(
				`select id::text as id, "workflowId", mode, status, finished, "createdAt", "startedAt", "stoppedAt" from execution_entity order by id`,
			)
		).map((row) => ({ ...row, id: String(row.id) }));

	type RunData = Record<string, Array<{ data?: { main: Array<Array<{ json: Report }>> }; metadata?: { subExecution?: { executionId: string } } }>>;

	/** Each execution's run data, read from n8n's saved execution data. */
	const runData = async (ids: string[]): Promise<Record<string, RunData>> => {
		const flatted = require(path.join(runtime.prefix, 'node_modules/flatted')) as { parse(text: string): unknown };
		const rows = await postgres!.query<{ executionId: string; data: string }>(
			`select "executionId"::text as "executionId", data from execution_data where "executionId" in (${ids.map(Number).join(',')})`,
		);
		return Object.fromEntries(rows.map((row) => [row.executionId, (flatted.parse(row.data) as { resultData: { runData: RunData } }).resultData.runData]));
	};

	/**
	 * The Upsert node's report of each execution. A sub-workflow runs as an execution of its own (its own
	 * row in execution_entity, mode `integrated`): the parent's Execute Workflow node names it in its
	 * metadata (subExecution), and the reports are read from there.
	 */
	const reports = async (ids: string[]): Promise<Record<string, Report>> => {
		const parents = await runData(ids);
		const subOf = Object.fromEntries(
			Object.entries(parents).flatMap(([id, data]) => {
				const sub = data['Run sync']?.[0]?.metadata?.subExecution?.executionId;
				return sub === undefined ? [] : [[id, String(sub)]];
			}),
		);
		const subs = Object.keys(subOf).length > 0 ? await runData(Object.values(subOf)) : {};
		const found: Record<string, Report> = {};
		for (const id of Object.keys(parents)) {
			const data = subOf[id] === undefined ? parents[id] : subs[subOf[id]];
			const json = (node: string) => data?.[node]?.[0]?.data?.main[0]?.[0]?.json;
			found[id] = { ...json('Upsert audience'), exportsThisMonth: json('Get cohort')?.exportsThisMonth };
		}
		return found;
	};

	/** Waits until every flow has `count` finished production runs; returns each flow's runs in order. */
	const waitForRuns = async (count: number, skip: string[] = []): Promise<Record<string, ExecutionRow[]>> =>
		await waitFor(
			`${count} finished run(s) of every workflow`,
			async () => {
				const rows = (await executions()).filter((row) => row.mode === 'trigger' && !skip.includes(row.id));
				const byFlow = Object.fromEntries(FLOWS.map((flow) => [flow.id, rows.filter((row) => row.workflowId === flow.id)]));
				return FLOWS.every((flow) => byFlow[flow.id].length >= count && byFlow[flow.id].slice(0, count).every(isDone)) ? byFlow : undefined;
			},
			{
				timeoutMs: 150_000,
				intervalMs: 500,
				describe: () =>
					[main, workers.worker1, workers.worker2]
						.filter((instance) => instance)
						.map((instance) => `--- ${instance!.name}\n${instance!.output().slice(-2500)}`)
						.join('\n'),
			},
		);

	it('runs the five syncs fired together on a worker, every output format, and absorbs Amplitude 429s', async () => {
		// Side by side, as a deployment starts them: the worker is up when the first schedule fires, so no
		// runs pile up in Redis before it (the database was migrated by the imports above).
		[main, workers.worker1] = await Promise.all([
			startMain(runtime, folders.main, queueEnv),
			startWorker(runtime, folders.worker1, 'worker 1', queueEnv),
		]);

		// The runs of the first tick that fired all five (a tick that comes while the main is still activating
		// them, as on a busy machine, fires only those already active), once all five ended.
		const created = (row: ExecutionRow) => new Date(row.createdAt!).getTime();
		const first = await waitFor(
			'a schedule tick that fired all five, and its runs to end',
			async () => {
				const rows = (await executions()).filter((row) => row.mode === 'trigger');
				const firsts = FLOWS.map((flow) => rows.find((row) => row.workflowId === flow.id));
				if (firsts.some((row) => !row)) return undefined;
				const tick = Math.max(...firsts.map((row) => created(row!)));
				const atTick = FLOWS.map((flow) => rows.find((row) => row.workflowId === flow.id && Math.abs(created(row) - tick) < 2000));
				return atTick.every((row) => row && isDone(row)) ? (atTick as ExecutionRow[]) : undefined;
			},
			{ timeoutMs: 150_000, intervalMs: 500, describe: () => `--- main\n${main?.output().slice(-2500)}\n--- worker 1\n${workers.worker1?.output().slice(-2500)}` },
		);
		expect(first.map((row) => row.status)).toEqual(FLOWS.map(() => 'success'));
		// Fired at the same moment: n8n created the five executions within two seconds of each other.
		expect(Math.max(...first.map(created)) - Math.min(...first.map(created))).toBeLessThan(2000);

		// Run by worker 1, not by the main.
		const byWorker1 = executionsStartedBy(workers.worker1);
		for (const row of first) expect(byWorker1).toContain(row.id);
		expect(executionsStartedBy(main)).toEqual([]);
		// The sub-workflow ran inside the parent's job, on the same worker, as an execution of its own.
		const subRuns = (await executions()).filter((row) => FLOWS.some((flow) => flow.subWorkflowId === row.workflowId));
		expect(subRuns.length).toBeGreaterThan(0);
		expect(subRuns.map((row) => [row.mode, row.status])).toContainEqual(['integrated', 'success']);

		for (const flow of FLOWS) expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, flow.audience)).toEqual(await identified(flow.cohort.id));

		// Amplitude said 429 (too many requests, too many parallel exports) and the nodes waited and retried.
		const throttled = amplitude.log.filter((entry) => entry.status === 429);
		expect(throttled.length).toBeGreaterThan(0);

		// n8n 2.x: the CSV File hand-over went through n8n's binary data storage in queue mode's default mode,
		// `database` (1.x has no such mode: its default keeps the file inside the execution data).
		if (runtime.n8nMajor >= 2) {
			const stored = await postgres!.query<{ count: string }>('select count(*)::text as count from binary_data');
			expect(Number(stored[0].count)).toBeGreaterThan(0);
		}
	});

	it('hands the Sync Changes state from worker 1 to worker 2 (through a sub-workflow on n8n 2.x): after a 1% change only the change is sent', async () => {
		expect(workers.worker1).toBeDefined();
		// Worker 1 stops (it finishes what it runs); what the schedule fires meanwhile waits in Redis.
		await workers.worker1!.stop(60_000);
		const ranOnWorker1 = executionsStartedBy(workers.worker1!);
		const workflowOf = Object.fromEntries((await executions()).map((row) => [row.id, row.workflowId]));
		// What worker 1's runs saved is in n8n's database, in each workflow's static data (the sub-workflow's
		// for the fifth flow).
		const saved = await postgres!.query<{ id: string; hasState: boolean }>(
			`select id, ("staticData"::text like '%batchAudienceSync%') as "hasState" from workflow_entity where id in (${FLOWS.map((flow) => `'${stateHolder(flow)}'`).join(',')})`,
		);
		expect(saved.filter((row) => row.hasState).map((row) => row.id).sort()).toEqual(FLOWS.map(stateHolder).sort());

		const changes: Record<string, { entered: string[]; left: string[]; cohort: string[] }> = {};
		for (const flow of FLOWS) {
			const old = await identified(flow.cohort.id);
			amplitude.setCohort({ ...flow.cohort, revision: 1, lastComputed: Math.floor(Date.now() / 1000) });
			const cohort = await identified(flow.cohort.id);
			changes[flow.id] = { cohort, entered: cohort.filter((id) => !old.includes(id)), left: old.filter((id) => !cohort.includes(id)) };
			expect(changes[flow.id].entered.length + changes[flow.id].left.length).toBeGreaterThan(0);
		}

		// Every run worker 2 executes starts after the change (it starts now): its first run of each flow
		// follows a run of worker 1, whose saved state it must use. The schedule kept firing while no worker
		// was up, so each flow may have two runs waiting: one job at a time keeps them from overlapping (two
		// runs of one audience at once is another case: see "What the sync guarantees").
		workers.worker2 = await startWorker(runtime, folders.worker2, 'worker 2', queueEnv, ['--concurrency=1']);
		const runs = await waitForRuns(1, ranOnWorker1);
		// Worker 2's first run of each flow is the first to start, not always the first created: of two runs
		// waiting in Redis, the later one can be handed over first.
		const startedAt = (row: ExecutionRow) => (row.startedAt ? new Date(row.startedAt).getTime() : Infinity);
		const next = FLOWS.map((flow) => [...runs[flow.id]].sort((a, b) => startedAt(a) - startedAt(b))[0]);
		const byWorker2 = executionsStartedBy(workers.worker2);
		for (const row of next) expect(byWorker2).toContain(row.id);

		// A workflow that syncs directly keeps its state only on n8n 1.x. On n8n 2.x (2.40.7) a worker runs the
		// scheduled workflow from the snapshot stored with the execution, which holds no static data
		// (executions/execution-data/types.js toWorkflowSnapshot: id, name, nodes, connections, settings), and
		// reloads static data from the database only for resumed executions (workflow-runner.js:
		// loadStaticData = existingExecution && loadStaticData; scaling/job-processor.js), so the run starts
		// from empty static data, although the state is in the database (checked above): Sync Changes falls
		// back to Replace, the audience stays exact, and Get cohort's export count restarts at 1. A
		// sub-workflow is loaded from the database with its static data (workflow-execute-additional-data.js
		// executeWorkflow → getPublishedWorkflowData → new Workflow({ staticData })) and saved after the run
		// (getLifecycleHooksForSubExecutions includes hookFunctionsSave): only the change on every version.
		const keepsState = (flow: Flow) => flow.subWorkflowId !== undefined || runtime.n8nMajor < 2;
		const found = await reports(next.map((row) => row.id));
		const summary = FLOWS.map((flow, index) => ({
			flow: flow.id,
			status: next[index].status,
			success: found[next[index].id]?.success,
			effectiveMode: found[next[index].id]?.effectiveMode,
			fallbackReason: found[next[index].id]?.fallbackReason ?? null,
			...(keepsState(flow) ? { added: found[next[index].id]?.added, removed: found[next[index].id]?.removed } : {}),
			// Kept in static data too (not on the per-member items): this run's export and every earlier one.
			exportsThisMonth: found[next[index].id]?.exportsThisMonth,
		}));
		expect(summary).toEqual(
			FLOWS.map((flow) =>
				keepsState(flow)
					? {
							flow: flow.id,
							status: 'success',
							success: true,
							effectiveMode: 'syncChanges',
							fallbackReason: null,
							added: changes[flow.id].entered.length,
							removed: changes[flow.id].left.length,
							exportsThisMonth: flow.output === 'items' ? undefined : ranOnWorker1.filter((id) => workflowOf[id] === flow.id).length + 1,
						}
					: {
							flow: flow.id,
							status: 'success',
							success: true,
							effectiveMode: 'replace',
							fallbackReason: expect.stringMatching(/^No state from an earlier run/),
							exportsThisMonth: flow.output === 'items' ? undefined : 1,
						},
			),
		);
		for (const flow of FLOWS) expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, flow.audience)).toEqual(changes[flow.id].cohort);
	});
});
