/**
 * Sync changes after a 1% membership change: a first run with no state (it falls back to Replace and
 * saves its state), the cohort's next revision replacing 1% of its members, then a second run with the
 * static data the first one left, as n8n would carry it between production executions. The floor does
 * the same with a state file.
 */
import path from 'node:path';

import { expectedAudience, sameAudience } from './audience-check';
import { runFloorChild, runNodeChild, type ChildOptions } from './children';
import type { BenchEnvironment, RequestCount } from './environment';
import type { Handover } from './workflow';

export const CHURN = 0.01;

export interface ResyncRun {
	wallMs: number;
	requests: RequestCount;
	effectiveMode: string;
	added: number;
	removed: number;
	peakRssMb: number;
}

export interface ResyncResult {
	size: number;
	handover: Handover;
	node: { full: ResyncRun; changed: ResyncRun };
	floor: { full: ResyncRun; changed: ResyncRun };
}

export function resyncCohortId(size: number): string {
	return `resync${size}`;
}

function setRevision(env: BenchEnvironment, size: number, revision: number): void {
	env.amplitude.setCohort({ id: resyncCohortId(size), name: `Re-sync benchmark ${size}`, size, revision, churn: CHURN });
}

async function checkAudience(env: BenchEnvironment, size: number, label: string): Promise<void> {
	const expected = await expectedAudience(env.amplitude, resyncCohortId(size));
	const got = env.audience();
	if (!sameAudience(got, expected)) throw new Error(`${label}: the audience holds ${got.size} ids, the cohort ${expected.size}`);
}

async function nodeRun(env: BenchEnvironment, size: number, handover: Handover, staticData: string, first: boolean, options: ChildOptions): Promise<ResyncRun> {
	env.amplitude.log.length = 0;
	env.batch.log.length = 0;
	const config = { ...env.nodeConfig(handover, resyncCohortId(size), 'syncChanges'), staticDataOut: staticData };
	const result = await runNodeChild(env.nodeChildScript, first ? config : { ...config, staticDataIn: staticData }, options);
	if (result.status !== 'success' || !result.report) throw new Error(`n8n re-sync ${size}: ${result.status}: ${result.error}`);
	await checkAudience(env, size, `n8n re-sync ${first ? 'full' : 'changed'}`);
	return {
		wallMs: result.wallMs,
		requests: env.requests(),
		effectiveMode: result.report.effectiveMode,
		added: result.report.added,
		removed: result.report.removed,
		peakRssMb: result.peakRssMb,
	};
}

async function floorRun(env: BenchEnvironment, size: number, stateFile: string, options: ChildOptions): Promise<ResyncRun> {
	env.amplitude.log.length = 0;
	env.batch.log.length = 0;
	const result = await runFloorChild(env.floorScript, env.floorConfig(resyncCohortId(size), 'syncChanges', stateFile), options);
	await checkAudience(env, size, 'floor re-sync');
	return {
		wallMs: result.wallMs,
		requests: env.requests(),
		effectiveMode: result.effectiveMode,
		added: result.added,
		removed: result.removed,
		peakRssMb: result.peakRssMb,
	};
}

export async function measureResync(env: BenchEnvironment, size: number, handover: Handover, options: ChildOptions): Promise<ResyncResult> {
	const staticData = path.join(env.workDir, `static-data-${size}.json`);
	const stateFile = path.join(env.workDir, `floor-state-${size}.txt`);

	env.batch.reset();
	setRevision(env, size, 0);
	const nodeFull = await nodeRun(env, size, handover, staticData, true, options);
	setRevision(env, size, 1);
	const nodeChanged = await nodeRun(env, size, handover, staticData, false, options);

	env.batch.reset();
	setRevision(env, size, 0);
	const floorFull = await floorRun(env, size, stateFile, options);
	setRevision(env, size, 1);
	const floorChanged = await floorRun(env, size, stateFile, options);

	return { size, handover, node: { full: nodeFull, changed: nodeChanged }, floor: { full: floorFull, changed: floorChanged } };
}
