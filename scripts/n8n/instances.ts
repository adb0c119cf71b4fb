/**
 * n8n as it runs in production: `n8n start` (a main instance, regular or queue mode), `n8n worker`,
 * workflows published before the start, and n8n's own database read for what it recorded.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import type { ExampleWorkflow } from './examples';
import { startProcess, waitFor, type RunningProcess } from './processes';
import { freePort, n8nEnv, runN8nCli, type N8nRuntime } from './runtime';

const run = promisify(execFile);

/** Imports the workflows (inactive) and publishes those in `publish`: on 2.x a schedule runs only once published. */
export async function importAndPublish(
	runtime: N8nRuntime,
	userFolder: string,
	workDir: string,
	workflows: ExampleWorkflow[],
	publish: string[],
	env: Record<string, string> = {},
): Promise<void> {
	const file = path.join(workDir, `workflows-${Date.now()}.json`);
	writeFileSync(file, JSON.stringify(workflows.map((workflow) => ({ ...workflow, active: false }))));
	const imported = await runN8nCli(runtime, userFolder, ['import:workflow', `--input=${file}`], env);
	if (!/Successfully imported/.test(imported.stdout + imported.stderr)) {
		throw new Error(`n8n import:workflow failed:\n${imported.stdout}\n${imported.stderr}`);
	}
	const publishOne = async (id: string) => {
		// 2.x: publish:workflow (publishing in a running n8n changes nothing: do it before `n8n start`);
		// 1.x: update:workflow --active=true.
		const args = runtime.n8nMajor >= 2 ? ['publish:workflow', `--id=${id}`] : ['update:workflow', `--id=${id}`, '--active=true'];
		const published = await runN8nCli(runtime, userFolder, args, env);
		if (published.status !== 0) throw new Error(`n8n ${args[0]} ${id} failed:\n${published.stdout}\n${published.stderr}`);
	};
	// One CLI process per workflow (about 10 s each): side by side on Postgres, one after the other on SQLite,
	// which takes one writer at a time.
	if (env.DB_TYPE === 'postgresdb') await Promise.all(publish.map(publishOne));
	else for (const id of publish) await publishOne(id);
}

export interface N8nInstance extends RunningProcess {
	url?: string;
}

/** `n8n start`, resolved once its readiness endpoint answers. */
/** `n8n start`, resolved once it answers; `nodeArgs` go to Node (e.g. the bench's `--cpu-prof`). */
export async function startMain(
	runtime: N8nRuntime,
	userFolder: string,
	env: Record<string, string> = {},
	nodeArgs: string[] = [],
): Promise<N8nInstance> {
	const port = await freePort();
	const instance = startProcess('n8n main', path.join(runtime.nodeBinDir, 'node'), [...nodeArgs, runtime.n8nBin, 'start'], {
		env: n8nEnv(runtime, userFolder, {
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_SECURE_COOKIE: 'false',
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			...env,
		}),
	});
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitFor(
			'n8n start to be ready',
			async () => {
				if (instance.child.exitCode !== null) throw new Error(`n8n start exited (${instance.child.exitCode})`);
				const res = await fetch(`${url}/healthz/readiness`).catch(() => undefined);
				return res?.ok ? true : undefined;
			},
			{ timeoutMs: 180_000, intervalMs: 1000, describe: () => instance.output().slice(-3000) },
		);
	} catch (error) {
		await instance.stop();
		throw error;
	}
	return { ...instance, url };
}

/** `n8n worker`, resolved once it says it is ready to take jobs. */
export async function startWorker(
	runtime: N8nRuntime,
	userFolder: string,
	name: string,
	env: Record<string, string> = {},
	args: string[] = [],
): Promise<N8nInstance> {
	const worker = startProcess(name, path.join(runtime.nodeBinDir, 'node'), [runtime.n8nBin, 'worker', ...args], {
		env: n8nEnv(runtime, userFolder, { N8N_RUNNERS_BROKER_PORT: String(await freePort()), ...env }),
	});
	try {
		await waitFor(
			`${name} to be ready`,
			() => {
				if (worker.child.exitCode !== null) throw new Error(`${name} exited (${worker.child.exitCode})`);
				return /n8n worker is now ready/.test(worker.output()) ? true : undefined;
			},
			{ timeoutMs: 180_000, intervalMs: 500, describe: () => worker.output().slice(-3000) },
		);
	} catch (error) {
		await worker.stop();
		throw error;
	}
	return worker;
}

/** Ids of the executions a worker took, from its log ("Worker started execution 12 (job 3)"). */
export function executionsStartedBy(worker: RunningProcess): string[] {
	return [...worker.output().matchAll(/Worker started execution (\d+)/g)].map((match) => match[1]);
}

export interface ExecutionRow {
	id: string;
	workflowId: string;
	mode: string;
	status: string;
	finished: boolean;
	/** When the trigger fired (the main created the execution); startedAt is when it began to run. */
	createdAt?: string;
	startedAt: string | null;
	stoppedAt: string | null;
}

/**
 * Rows of n8n's SQLite database (`<user folder>/.n8n/database.sqlite`), read with the `node:sqlite` module
 * of the Node n8n runs on (24): no sqlite client needed. Read-only; n8n keeps writing meanwhile.
 */
export async function sqliteQuery<T = Record<string, unknown>>(runtime: N8nRuntime, userFolder: string, sql: string): Promise<T[]> {
	const script = `
		const { DatabaseSync } = require('node:sqlite');
		const db = new DatabaseSync(process.argv[1], { readOnly: true });
		db.exec('PRAGMA busy_timeout = 5000');
		process.stdout.write(JSON.stringify(db.prepare(process.argv[2]).all()));`;
	const { stdout } = await run(
		path.join(runtime.nodeBinDir, 'node'),
		['--no-warnings', '-e', script, path.join(userFolder, '.n8n/database.sqlite'), sql],
		{ maxBuffer: 256 * 1024 * 1024 },
	);
	return JSON.parse(stdout) as T[];
}

/** The executions n8n saved, oldest first (SQLite: a regular-mode `n8n start`). */
export async function sqliteExecutions(runtime: N8nRuntime, userFolder: string): Promise<ExecutionRow[]> {
	const rows = await sqliteQuery<Omit<ExecutionRow, 'finished'> & { finished: number }>(
		runtime,
		userFolder,
		'SELECT id, workflowId, mode, status, finished, startedAt, stoppedAt FROM execution_entity ORDER BY id',
	);
	return rows.map((row) => ({ ...row, id: String(row.id), finished: Boolean(row.finished) }));
}

/** An execution that is over, whatever its outcome. */
export function isDone(row: ExecutionRow): boolean {
	return !['new', 'running', 'waiting', 'unknown'].includes(row.status);
}
