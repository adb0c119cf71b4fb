/** One size of the full-sync table: the floor once, then each n8n hand-over form, every audience checked. */
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
	wallMs: number;
	peakRssMb: number;
	baselineRssMb: number;
	requests: RequestCount;
	/** This row's wall time over the floor's, for the same size. */
	ratio?: number;
	/** Where the time went. */
	phases: string;
}

export function cohortIdOf(size: number): string {
	return `bench${size}`;
}

function check(label: string, got: AudienceDigest, expected: AudienceDigest): void {
	if (!sameAudience(got, expected)) {
		throw new Error(`${label}: the audience holds ${got.size} ids (${got.sha256}), the cohort has ${expected.size} (${expected.sha256})`);
	}
}

const seconds = (ms: number | undefined) => (ms === undefined ? '?' : (ms / 1000).toFixed(1));

export async function measureSize(
	env: BenchEnvironment,
	size: number,
	handovers: Handover[],
	expected: AudienceDigest,
	options: ChildOptions,
	onRow: (row: SyncRow) => void,
): Promise<SyncRow[]> {
	const cohortId = cohortIdOf(size);
	const rows: SyncRow[] = [];

	env.resetForRun();
	const floor = await runFloorChild(env.floorScript, env.floorConfig(cohortId, 'replace'), options);
	check(`floor ${size}`, env.audience(), expected);
	const floorRow: SyncRow = {
		label: 'floor (plain Node)',
		side: 'floor',
		size,
		unique: floor.unique,
		wallMs: floor.wallMs,
		peakRssMb: floor.peakRssMb,
		baselineRssMb: floor.baselineRssMb,
		requests: env.requests(),
		phases: `export ${seconds(floor.exportMs)}, download+parse ${seconds(floor.downloadMs)}, send ${seconds(floor.sendMs)}`,
	};
	rows.push(floorRow);
	onRow(floorRow);

	for (const handover of handovers) {
		env.resetForRun();
		const result = await runNodeChild(env.nodeChildScript, env.nodeConfig(handover, cohortId, 'replace'), options);
		if (result.status !== 'success') throw new Error(`n8n ${handover} ${size}: ${result.status}: ${result.error}`);
		check(`n8n ${handover} ${size}`, env.audience(), expected);
		const amplitudeMs = result.nodeMs['Get cohort'];
		const row: SyncRow = {
			label: `n8n, ${handover}`,
			side: 'n8n',
			handover,
			size,
			unique: result.report?.unique ?? 0,
			wallMs: result.wallMs,
			peakRssMb: result.peakRssMb,
			baselineRssMb: result.baselineRssMb,
			requests: env.requests(),
			ratio: result.wallMs / floor.wallMs,
			phases:
				`Amplitude node ${seconds(amplitudeMs)}` +
				(result.amplitude.exportMs === undefined
					? ''
					: ` (export ${seconds(result.amplitude.exportMs)}, download+parse ${seconds(result.amplitude.downloadMs)})`) +
				`, Batch node ${seconds(result.nodeMs['Upsert audience'])} (sync ${seconds(result.report?.durationMs)})`,
		};
		rows.push(row);
		onRow(row);
	}
	return rows;
}
