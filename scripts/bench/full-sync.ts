/**
 * One size of the full-sync table: rounds of the floor then each n8n hand-over form, every audience
 * checked. Runs are noisy on a small machine (the sandboxes share it), so each case is run `repeat`
 * times, interleaved, and reported by its median run; peak RSS is the highest of its runs.
 */
import { sameAudience, type AudienceDigest } from './audience-check';
import { runFloorChild, runNodeChild, type ChildOptions } from './children';
import type { BenchEnvironment, RequestCount } from './environment';
import type { Handover } from './workflow';

export interface SyncRow {
	label: string;
	side: 'floor' | 'n8n';
	handover?: Handover;
	size: number;
	/** Distinct identified members: the ids the audience ends up with. */
	unique: number;
	/** The median run's. */
	wallMs: number;
	/** Every run's, in order. */
	wallMsRuns: number[];
	/** CPU time of the measured process in the median run. */
	cpuMs: number;
	/** The highest of the runs. */
	peakRssMb: number;
	baselineRssMb: number;
	requests: RequestCount;
	/** This row's median wall time over the floor's, for the same size. */
	ratio?: number;
	/** Where the time went, in the median run. */
	phases: string;
}

/** One measured run of a case, before the runs of a case are merged into its row. */
export type Run = Omit<SyncRow, 'wallMsRuns' | 'ratio'>;

export function cohortIdOf(size: number): string {
	return `bench${size}`;
}

function check(label: string, got: AudienceDigest, expected: AudienceDigest): void {
	if (!sameAudience(got, expected)) {
		throw new Error(`${label}: the audience holds ${got.size} ids (${got.sha256}), the cohort has ${expected.size} (${expected.sha256})`);
	}
}

const seconds = (ms: number | undefined) => (ms === undefined ? '?' : (ms / 1000).toFixed(1));

async function floorRun(env: BenchEnvironment, size: number, expected: AudienceDigest, options: ChildOptions): Promise<Run> {
	env.resetForRun();
	const floor = await runFloorChild(env.floorScript, env.floorConfig(cohortIdOf(size), 'replace'), options);
	check(`floor ${size}`, env.audience(), expected);
	return {
		label: 'floor (plain Node)',
		side: 'floor',
		size,
		unique: floor.unique,
		wallMs: floor.wallMs,
		cpuMs: floor.cpuMs,
		peakRssMb: floor.peakRssMb,
		baselineRssMb: floor.baselineRssMb,
		requests: env.requests(),
		phases: `export ${seconds(floor.exportMs)}, download+parse ${seconds(floor.downloadMs)}, send ${seconds(floor.sendMs)}`,
	};
}

async function nodeRun(
	env: BenchEnvironment,
	size: number,
	handover: Handover,
	expected: AudienceDigest,
	options: ChildOptions,
): Promise<Run> {
	env.resetForRun();
	const result = await runNodeChild(env.nodeChildScript, env.nodeConfig(handover, cohortIdOf(size), 'replace'), options);
	if (result.status !== 'success') throw new Error(`n8n ${handover} ${size}: ${result.status}: ${result.error}`);
	check(`n8n ${handover} ${size}`, env.audience(), expected);
	return {
		label: `n8n, ${handover}`,
		side: 'n8n',
		handover,
		size,
		unique: result.report?.unique ?? 0,
		wallMs: result.wallMs,
		cpuMs: result.cpuMs,
		peakRssMb: result.peakRssMb,
		baselineRssMb: result.baselineRssMb,
		requests: env.requests(),
		phases:
			`Amplitude node ${seconds(result.nodeMs['Get cohort'])}` +
			(result.amplitude.exportMs === undefined
				? ''
				: ` (export ${seconds(result.amplitude.exportMs)}, download+parse ${seconds(result.amplitude.downloadMs)})`) +
			`, Batch node ${seconds(result.nodeMs['Upsert audience'])} (sync ${seconds(result.report?.durationMs)})`,
	};
}

/** The case's row: its median run (the lower middle of an even count), with every run's wall time. */
function merge(runs: Run[]): SyncRow {
	const byWall = [...runs].sort((a, b) => a.wallMs - b.wallMs);
	const median = byWall[Math.floor((byWall.length - 1) / 2)];
	return { ...median, wallMsRuns: runs.map((run) => run.wallMs), peakRssMb: Math.max(...runs.map((run) => run.peakRssMb)) };
}

export async function measureSize(
	env: BenchEnvironment,
	size: number,
	handovers: Handover[],
	expected: AudienceDigest,
	repeat: number,
	options: ChildOptions,
	onRun: (run: Run, round: number) => void,
): Promise<SyncRow[]> {
	const cases: Array<Handover | 'floor'> = ['floor', ...handovers];
	const runs = new Map<Handover | 'floor', Run[]>(cases.map((name) => [name, []]));
	for (let round = 1; round <= repeat; round++) {
		for (const name of cases) {
			const run = name === 'floor' ? await floorRun(env, size, expected, options) : await nodeRun(env, size, name, expected, options);
			runs.get(name)!.push(run);
			onRun(run, round);
		}
	}
	const floor = merge(runs.get('floor')!);
	const nodeRows = handovers.map((handover) => {
		const row = merge(runs.get(handover)!);
		return { ...row, ratio: row.wallMs / floor.wallMs };
	});
	return [floor, ...nodeRows];
}
