/**
 * The real-n8n bench: what users pay. Each case is a fresh `n8n start` (the pinned n8n from
 * scripts/n8n/install.sh, SQLite, default execution saving, binary data in its default mode) with this
 * package installed as a community package and a Schedule Trigger workflow (every 20 s) → Get cohort →
 * Batch Profile Upsert (Replace), published through the REST API as the editor's Publish button does, once
 * the instance is idle, and unpublished as soon as its first execution has called Amplitude, so exactly one
 * production execution runs. Measured per case:
 *   - sync time: first Amplitude request to the end of the last Batch write, from the sandboxes' logs (the
 *     same clock and the same definition for the plain-Node floor, run in the same bench);
 *   - n8n's own execution time (startedAt → stoppedAt in its database, saving included);
 *   - the CPU time n8n's main process spent from the publish to the execution's end (all its threads), and
 *     the floor's, steadier than the wall clock on a shared machine;
 *   - the n8n main process's RSS when idle and its peak (VmHWM, reset once idle) during the execution; idle
 *     is read once the fresh n8n has collected its start-up garbage (V8 does it on its own 15–25 s after
 *     n8n answers: RSS ~700 → ~430 MB here), as an n8n that has been up a while is;
 *   - the growth of n8n's database (pages in use, i.e. the file's size once its WAL is checkpointed), of the
 *     saved execution's data row, and of the binary data folder, for this one execution.
 * n8n is stopped and its user folder deleted after each case.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { importAndPublish, isDone, sqliteExecutions, sqliteQuery, startMain, type ExecutionRow } from '../n8n/instances';
import { waitFor } from '../n8n/processes';
import { buildPackage, ensureN8nInstalled, prepareUserFolder, runN8nCli, type N8nRuntime } from '../n8n/runtime';
import { sandboxCredentials } from '../n8n/sandbox-credentials';
import { syncWorkflow } from '../n8n/sync-workflow';
import { sameAudience, type AudienceDigest } from './audience-check';
import { runFloorChild } from './children';
import { AUDIENCE, POLL_INTERVAL_MS, type BenchEnvironment } from './environment';
import { cohortIdOf } from './full-sync';
import { ownerSession } from './n8n-session';
import { cpuMsOf } from './proc-cpu';
import { peakRssMbOf, resetPeakRss, rssMbOf } from './proc-memory';
import { GET_COHORT_OUTPUT, type Handover } from './workflow';

/** The schedule's interval: long enough to unpublish the workflow before it fires a second time. */
const EVERY_SECONDS = 20;
/**
 * A fresh n8n's RSS falls for a while after it answers (start-up garbage collected): idle is read once
 * the last SETTLE_SAMPLES readings, a second apart, are within SETTLE_TOLERANCE of each other (at most
 * SETTLE_MAX_MS).
 */
const SETTLE_SAMPLES = 6;
const SETTLE_TOLERANCE = 0.02;
const SETTLE_MAX_MS = 60_000;
/**
 * Then idle waits (at most COLLECT_MAX_MS) for the start-up garbage collection: RSS below COLLECTED_SHARE
 * of the settled reading. Before it, "above idle" would count from ~270 MB of garbage n8n is about to free.
 */
const COLLECTED_SHARE = 0.85;
const COLLECT_MAX_MS = 60_000;

export interface RealN8nRun {
	label: string;
	side: 'floor' | 'n8n';
	output?: Handover;
	size: number;
	unique: number;
	/** First Amplitude request → end of the last Batch write, from the sandboxes' logs. */
	syncMs: number;
	/** First Amplitude request to the end of the last Amplitude answer (the download). */
	amplitudeMs: number;
	/** First Batch request to the end of the last write. */
	batchMs: number;
	requests: number;
	/** The process's CPU time (user + system, all threads): the floor's run, or n8n's from the publish to the execution's end. */
	cpuMs: number;
	/** n8n only. */
	executionMs?: number;
	idleRssMb?: number;
	peakRssMb?: number;
	/** Whether the peak was reset once idle (else it counts from n8n's start). */
	peakSinceIdle?: boolean;
	/** Whether n8n had collected its start-up garbage when idle was read (else idle is the higher, settled RSS). */
	idleCollected?: boolean;
	dbGrowthBytes?: number;
	executionDataBytes?: number;
	binaryGrowthBytes?: number;
	/** The floor's own peak RSS (VmHWM), for reference. */
	floorPeakRssMb?: number;
}

export interface RealN8nContext {
	env: BenchEnvironment;
	runtime: N8nRuntime;
	/** A user folder with the package, the sandbox credentials and every bench workflow imported (none published). */
	template: string;
	workDir: string;
	/** `--cpu-prof DIR`: V8 CPU profiles of every n8n and floor process go there. */
	cpuProfileDir?: string;
	/** `--gc-trace DIR`: n8n runs with V8's GC tracing, and each case's n8n output is written there. */
	gcTraceDir?: string;
}

/** What `--gc-trace` has V8 print: every collection, and why each full marking started. */
const GC_TRACE_FLAGS = ['--trace-gc', '--trace-incremental-marking'];

export const workflowIdOf = (output: Handover, size: number) => `bench${output}${size}`;

/** The schedule workflow of one case; compactText is a version 1.1 Get cohort, whose compact output gives its user IDs as text by default. */
function caseWorkflow(output: Handover, size: number) {
	const workflow = syncWorkflow({
		id: workflowIdOf(output, size),
		cohortId: cohortIdOf(size),
		audience: AUDIENCE,
		output: GET_COHORT_OUTPUT[output].outputFormat,
		everySeconds: EVERY_SECONDS,
		mode: 'replace',
		pollIntervalSeconds: POLL_INTERVAL_MS / 1000,
	});
	const getCohort = workflow.nodes.find((node) => node.name === 'Get cohort')!;
	getCohort.parameters = { ...getCohort.parameters, ...GET_COHORT_OUTPUT[output].parameters };
	getCohort.typeVersion = GET_COHORT_OUTPUT[output].typeVersion;
	return workflow;
}

/** Builds and installs the package, then prepares the template user folder every case starts from. */
export async function prepareRealN8n(
	env: BenchEnvironment,
	sizes: number[],
	outputs: Handover[],
	say: (text: string) => void,
	diagnostics: Pick<RealN8nContext, 'cpuProfileDir' | 'gcTraceDir'> = {},
): Promise<RealN8nContext> {
	const runtime = ensureN8nInstalled();
	say(`n8n ${runtime.n8nVersion} on Node ${runtime.nodeMajor}: building the package and preparing n8n's user folder`);
	buildPackage();
	const workDir = path.join(env.workDir, 'real-n8n');
	mkdirSync(workDir, { recursive: true });
	const template = prepareUserFolder(path.join(workDir, 'template'));
	const credentialsFile = path.join(workDir, 'credentials.json');
	writeFileSync(credentialsFile, JSON.stringify(sandboxCredentials(env.amplitude.url, env.batch.url)));
	const imported = await runN8nCli(runtime, template, ['import:credentials', `--input=${credentialsFile}`]);
	if (!/Successfully imported 3 credentials/.test(imported.stdout + imported.stderr)) {
		throw new Error(`n8n import:credentials failed:\n${imported.stdout}\n${imported.stderr}`);
	}
	const workflows = sizes.flatMap((size) => outputs.map((output) => caseWorkflow(output, size)));
	await importAndPublish(runtime, template, workDir, workflows, []);
	return { env, runtime, template, workDir, ...diagnostics };
}

/**
 * From the sandboxes' logs of the run just made: the sync time, and where it went: Amplitude (first request
 * to the end of the download), then Batch (from the first Batch request to the end of the last write).
 */
function syncFigures(env: BenchEnvironment): Pick<RealN8nRun, 'syncMs' | 'amplitudeMs' | 'batchMs' | 'requests'> {
	const first = env.amplitude.log[0]?.time;
	const writes = env.batch.log.filter((entry) => /\/audiences\/(update|replace)$/.test(entry.url));
	if (first === undefined || writes.length === 0) throw new Error('no Amplitude request or no Batch write logged');
	const lastWriteEnd = Math.max(...writes.map((entry) => entry.time + entry.durationMs));
	const amplitudeEnd = Math.max(...env.amplitude.log.map((entry) => entry.time + entry.durationMs));
	return {
		syncMs: lastWriteEnd - first,
		amplitudeMs: amplitudeEnd - first,
		batchMs: lastWriteEnd - env.batch.log[0].time,
		requests: env.amplitude.log.length + env.batch.log.length,
	};
}

function check(label: string, got: AudienceDigest, expected: AudienceDigest): void {
	if (!sameAudience(got, expected)) {
		throw new Error(`${label}: the audience holds ${got.size} ids (${got.sha256}), the cohort has ${expected.size} (${expected.sha256})`);
	}
}

export async function realFloorRun(ctx: RealN8nContext, size: number, expected: AudienceDigest): Promise<RealN8nRun> {
	const { env } = ctx;
	env.resetForRun();
	// The same Node as n8n's, so the two sides differ by n8n and the nodes alone.
	const floor = await runFloorChild(env.floorScript, env.floorConfig(cohortIdOf(size), 'replace'), {
		nodePath: path.join(ctx.runtime.nodeBinDir, 'node'),
		cpuProfileDir: ctx.cpuProfileDir,
	});
	check(`floor ${size}`, env.audience(), expected);
	return {
		label: 'floor (plain Node)',
		side: 'floor',
		size,
		unique: floor.unique,
		...syncFigures(env),
		cpuMs: floor.cpuMs,
		floorPeakRssMb: floor.peakRssMb,
	};
}

function folderBytes(folder: string): number {
	if (!existsSync(folder)) return 0;
	let total = 0;
	for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
		if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
	}
	return total;
}

/** n8n 2.x keeps binary data in <user folder>/.n8n/storage (binaryData before 2.x, and for folders made by 1.x). */
function binaryDataBytes(userFolder: string): number {
	return folderBytes(path.join(userFolder, '.n8n/storage')) + folderBytes(path.join(userFolder, '.n8n/binaryData'));
}

/** Pages in use in n8n's SQLite database, WAL included: what the file holds once checkpointed. */
async function databaseBytes(runtime: N8nRuntime, userFolder: string): Promise<number> {
	const [row] = await sqliteQuery<{ bytes: number }>(
		runtime,
		userFolder,
		'SELECT (p.page_count - f.freelist_count) * s.page_size AS bytes FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s',
	);
	return row.bytes;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the process's RSS has stopped falling (or SETTLE_MAX_MS); returns the highest reading. */
async function settled(pid: number): Promise<number> {
	const samples: number[] = [];
	const deadline = Date.now() + SETTLE_MAX_MS;
	while (Date.now() < deadline) {
		samples.push(rssMbOf(pid));
		const last = samples.slice(-SETTLE_SAMPLES);
		if (last.length === SETTLE_SAMPLES && Math.max(...last) - Math.min(...last) <= SETTLE_TOLERANCE * Math.min(...last)) break;
		await sleep(1000);
	}
	return Math.max(...samples);
}

/**
 * Waits for the start-up garbage collection (see COLLECTED_SHARE; it may already have come while RSS
 * settled, whose highest reading is `highestMb`), then for RSS to settle again; false if it did not come.
 */
async function startupGarbageCollected(pid: number, highestMb: number): Promise<boolean> {
	const deadline = Date.now() + COLLECT_MAX_MS;
	while (Date.now() < deadline) {
		if (rssMbOf(pid) < COLLECTED_SHARE * highestMb) {
			await settled(pid);
			return true;
		}
		await sleep(500);
	}
	return false;
}

export async function realN8nRun(ctx: RealN8nContext, size: number, output: Handover, expected: AudienceDigest): Promise<RealN8nRun> {
	const { env, runtime } = ctx;
	const workflowId = workflowIdOf(output, size);
	const userFolder = path.join(ctx.workDir, `case-${workflowId}`);
	cpSync(ctx.template, userFolder, { recursive: true });
	env.resetForRun();
	const profile = ctx.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfileDir}`] : [];
	const main = await startMain(runtime, userFolder, {}, [...profile, ...(ctx.gcTraceDir ? GC_TRACE_FLAGS : [])]);
	try {
		const pid = main.child.pid!;
		const session = await ownerSession(main.url!);
		const idleCollected = await startupGarbageCollected(pid, await settled(pid));
		const dbBefore = await databaseBytes(runtime, userFolder);
		const binaryBefore = binaryDataBytes(userFolder);
		const peakSinceIdle = resetPeakRss(pid);
		const idleRssMb = rssMbOf(pid);
		const cpuBefore = cpuMsOf(pid);

		await session.publish(workflowId);
		await waitFor('the schedule to fire', () => (env.amplitude.log.length > 0 ? true : undefined), {
			timeoutMs: (EVERY_SECONDS + 60) * 1000,
			intervalMs: 50,
			describe: () => main.output().slice(-3000),
		});
		await session.unpublish(workflowId);
		const execution: ExecutionRow = await waitFor(
			`the execution of ${workflowId} to end`,
			async () => {
				const rows = (await sqliteExecutions(runtime, userFolder)).filter((row) => row.workflowId === workflowId);
				return rows.length > 0 && rows.every(isDone) ? rows : undefined;
			},
			{ timeoutMs: 20 * 60 * 1000, intervalMs: 1000, describe: () => main.output().slice(-3000) },
		).then((rows) => {
			if (rows.length !== 1) throw new Error(`${workflowId}: ${rows.length} executions ran, the bench measures one`);
			return rows[0];
		});
		const peakRssMb = peakRssMbOf(pid);
		const cpuMs = cpuMsOf(pid) - cpuBefore;
		if (execution.status !== 'success') throw new Error(`${workflowId}: execution ${execution.id} ended ${execution.status}`);
		check(`n8n ${output} ${size}`, env.audience(), expected);
		const [saved] = await sqliteQuery<{ bytes: number }>(
			runtime,
			userFolder,
			`SELECT length(data) + length(workflowData) AS bytes FROM execution_data WHERE executionId = ${Number(execution.id)}`,
		);
		return {
			label: `n8n start, ${OUTPUT_LABELS[output]}`,
			side: 'n8n',
			output,
			size,
			unique: expected.size,
			...syncFigures(env),
			cpuMs,
			executionMs: new Date(execution.stoppedAt!).getTime() - new Date(execution.startedAt!).getTime(),
			idleRssMb,
			peakRssMb,
			peakSinceIdle,
			idleCollected,
			dbGrowthBytes: (await databaseBytes(runtime, userFolder)) - dbBefore,
			executionDataBytes: saved?.bytes ?? 0,
			binaryGrowthBytes: binaryDataBytes(userFolder) - binaryBefore,
		};
	} finally {
		if (ctx.gcTraceDir) {
			mkdirSync(ctx.gcTraceDir, { recursive: true });
			writeFileSync(path.join(ctx.gcTraceDir, `${workflowId}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`), main.output());
		}
		await main.stop(30_000);
		rmSync(userFolder, { recursive: true, force: true });
	}
}

export const OUTPUT_LABELS: Record<Handover, string> = {
	items: 'One Item per Member',
	compact: 'One Item With All User IDs, as a list',
	compactText: 'One Item With All User IDs, as text (the default)',
	binary: 'CSV File',
	binaryUserId: 'CSV File, user ID only',
};
