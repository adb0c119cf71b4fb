/**
 * The benchmark's shared setting: both sandboxes, run in the driver process (so a measured child holds
 * only n8n and the nodes, or only the floor), with the same fast settings for both sides, and the requests
 * each side makes, counted from the sandboxes' own logs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_PROJECT_KEY, BATCH_SANDBOX_REST_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import type { FloorConfig } from '../bench-floor';
import { digestOf, type AudienceDigest } from './audience-check';
import { compileFloor, compileNodeChild } from './children';
import type { NodeChildConfig } from './node-child';
import type { Handover } from './workflow';

/** A full garbage collection of this process (the sandboxes'), without starting it with --expose-gc. */
function collectGarbage(): void {
	setFlagsFromString('--expose-gc');
	(runInNewContext('gc') as () => void)();
}

/** Fast, and the same for both sides: a short export, polled often; Batch indexes at once. */
export const EXPORT_DURATION_MS = 300;
export const POLL_INTERVAL_MS = 100;
export const CONCURRENCY = 4;
export const AUDIENCE = 'bench_cohort';

/**
 * Inside the repository, so the compiled child finds node_modules; one folder per bench process, so two
 * benches at once (the test lanes run `npm run bench -- --quick` and `--real-n8n --quick` side by side)
 * do not delete each other's build.
 */
const NODE_CHILD_BUILD = path.resolve(__dirname, '..', '..', '.bench-build', String(process.pid));

export interface RequestCount {
	amplitude: number;
	batch: number;
	/** Batch calls that carry ids (update, replace). */
	batchWrites: number;
	total: number;
}

export interface BenchEnvironment {
	amplitude: AmplitudeSandbox;
	batch: BatchSandbox;
	workDir: string;
	floorScript: string;
	/** The n8n child, compiled to JavaScript. */
	nodeChildScript: string;
	/** Empties the Batch sandbox and both logs before a measured run. */
	resetForRun(): void;
	requests(): RequestCount;
	audience(): AudienceDigest;
	nodeConfig(handover: Handover, cohortId: string, mode: 'replace' | 'syncChanges'): NodeChildConfig;
	floorConfig(cohortId: string, mode: 'replace' | 'syncChanges', stateFile?: string): FloorConfig;
	close(): Promise<void>;
}

export async function startEnvironment(): Promise<BenchEnvironment> {
	const amplitude = await startAmplitudeSandbox({ cohorts: [], knobs: { exportDurationMs: EXPORT_DURATION_MS } });
	const batch = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
	const workDir = mkdtempSync(path.join(tmpdir(), 'bench-'));
	// n8n-core writes its settings here; children inherit it.
	process.env.N8N_USER_FOLDER = path.join(workDir, 'n8n');
	return {
		amplitude,
		batch,
		workDir,
		floorScript: compileFloor(path.join(workDir, 'floor')),
		nodeChildScript: compileNodeChild(NODE_CHILD_BUILD),
		resetForRun() {
			batch.reset();
			amplitude.log.length = 0;
			// The sandboxes share this process: collect the last run's audience and logs now, not during the next run.
			collectGarbage();
		},
		requests() {
			const batchWrites = batch.log.filter((entry) => /\/audiences\/(update|replace)$/.test(entry.url)).length;
			return { amplitude: amplitude.log.length, batch: batch.log.length, batchWrites, total: amplitude.log.length + batch.log.length };
		},
		audience: () => digestOf(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, AUDIENCE)),
		nodeConfig: (handover, cohortId, mode) => ({
			workflow: { handover, cohortId, audience: AUDIENCE, mode, concurrency: CONCURRENCY, pollIntervalSeconds: POLL_INTERVAL_MS / 1000 },
			amplitude: { url: amplitude.url, apiKey: amplitude.apiKey, secretKey: amplitude.secretKey },
			batch: { url: batch.url, projectKey: BATCH_SANDBOX_PROJECT_KEY, restApiKey: BATCH_SANDBOX_REST_KEY },
		}),
		floorConfig: (cohortId, mode, stateFile) => ({
			amplitudeUrl: amplitude.url,
			amplitudeApiKey: amplitude.apiKey,
			amplitudeSecretKey: amplitude.secretKey,
			cohortId,
			pollIntervalMs: POLL_INTERVAL_MS,
			batchUrl: batch.url,
			projectKey: BATCH_SANDBOX_PROJECT_KEY,
			restApiKey: BATCH_SANDBOX_REST_KEY,
			audience: AUDIENCE,
			mode,
			concurrency: CONCURRENCY,
			stateFile,
		}),
		async close() {
			rmSync(NODE_CHILD_BUILD, { recursive: true, force: true });
			await Promise.all([amplitude.close(), batch.close()]);
		},
	};
}
