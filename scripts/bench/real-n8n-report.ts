/** The real-n8n bench's markdown: per size, the floor and each output format in `n8n start`, and the targets. */
import type { RealN8nRun } from './real-n8n';
import type { Handover } from './workflow';

export const REAL_RATIO_TARGET = 1.3;
export const REAL_RSS_ABOVE_IDLE_TARGET_MB = 600;
/** The CSV File path's saved execution: at most this much more in n8n's database (bytes). */
export const REAL_DB_TARGET_BYTES = 1_000_000;
export const REAL_TARGET_SIZE = 2_000_000;
const TARGET_OUTPUTS: Handover[] = ['compact', 'compactText', 'binary', 'binaryUserId'];

const count = (value: number) => value.toLocaleString('en-US');
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const mark = (ok: boolean) => (ok ? 'yes' : '**no**');

/** Decimal units: KB below 1 MB, MB above. */
export function bytes(value: number): string {
	if (Math.abs(value) < 1e6) return `${Math.round(value / 1e3)} KB`;
	return `${(value / 1e6).toFixed(value >= 1e8 ? 0 : 1)} MB`;
}

export interface RealRow extends RealN8nRun {
	/** This row's sync time over the floor's, same size. */
	ratio?: number;
	/** This row's sync time over the mean of the floor runs just before and just after it, same size. */
	nearbyRatio?: number;
	aboveIdleMb?: number;
}

/**
 * The mean of the floor runs of the same size just before and just after the run at `index` (`runs` in the
 * order they ran): this shared machine's speed drifts over minutes, which a floor run far away in time
 * does not share.
 */
function nearbyFloorMs(runs: RealN8nRun[], index: number): number {
	const { size } = runs[index];
	const isFloor = (run: RealN8nRun) => run.side === 'floor' && run.size === size;
	const before = runs.slice(0, index).reverse().find(isFloor);
	const after = runs.slice(index + 1).find(isFloor);
	const near = [before, after].filter((run): run is RealN8nRun => run !== undefined);
	return near.reduce((sum, run) => sum + run.syncMs, 0) / near.length;
}

/** Pairs every n8n run with the floor of its size (the lower middle of the floor runs: the stricter ratio). */
export function realRows(runs: RealN8nRun[]): RealRow[] {
	const sizes = [...new Set(runs.map((run) => run.size))];
	return sizes.flatMap((size) => {
		const floors = runs.filter((run) => run.size === size && run.side === 'floor').sort((a, b) => a.syncMs - b.syncMs);
		const floor = floors[Math.floor((floors.length - 1) / 2)];
		const runsText = floors.map((run) => seconds(run.syncMs)).join(', ');
		const which = floors.length === 2 ? 'faster of 2 runs' : `median of ${floors.length} runs`;
		const floorRow: RealRow = { ...floor, label: floors.length > 1 ? `${floor.label}, ${which} (${runsText} s)` : floor.label };
		const nodeRows = runs
			.map((run, index) => ({ run, index }))
			.filter(({ run }) => run.size === size && run.side === 'n8n')
			.map(({ run, index }) => ({
				...run,
				ratio: run.syncMs / floor.syncMs,
				nearbyRatio: run.syncMs / nearbyFloorMs(runs, index),
				aboveIdleMb: run.peakRssMb! - run.idleRssMb!,
			}));
		return [floorRow, ...nodeRows];
	});
}

const isTarget = (row: RealRow) => row.side === 'n8n' && row.size === REAL_TARGET_SIZE && TARGET_OUTPUTS.includes(row.output!);

export function realTable(rows: RealRow[]): string[] {
	const lines = [
		'| case | members | ids synced | sync s | × floor | × floors around it | Amplitude s, Batch s | execution s | CPU s | n8n idle RSS MB | n8n peak RSS MB | peak above idle MB | n8n database growth | of which execution data | binary data growth | requests |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
	];
	for (const row of rows) {
		const n8n = row.side === 'n8n';
		const cells = [
			`${row.label}${isTarget(row) ? ' *' : ''}`,
			count(row.size),
			count(row.unique),
			seconds(row.syncMs),
			n8n ? `${row.ratio!.toFixed(2)}×` : '1.00×',
			n8n ? `${row.nearbyRatio!.toFixed(2)}×` : '—',
			`${seconds(row.amplitudeMs)}, ${seconds(row.batchMs)}`,
			n8n ? seconds(row.executionMs!) : '—',
			seconds(row.cpuMs),
			n8n ? String(Math.round(row.idleRssMb!)) : '—',
			n8n ? String(Math.round(row.peakRssMb!)) : `(${row.floorPeakRssMb})`,
			n8n ? `+${Math.round(row.aboveIdleMb!)}` : '—',
			n8n ? bytes(row.dbGrowthBytes!) : '—',
			n8n ? bytes(row.executionDataBytes!) : '—',
			n8n ? bytes(row.binaryGrowthBytes!) : '—',
			String(row.requests),
		];
		lines.push(`| ${cells.join(' | ')} |`);
	}
	return lines;
}

export function realTargets(rows: RealRow[]): string[] {
	const bound = rows.filter(isTarget);
	if (bound.length === 0) {
		return [`Targets (at ${count(REAL_TARGET_SIZE)} members, compact and CSV File) not measured in this run.`];
	}
	return bound.map((row) => {
		const checks = [
			`${row.ratio!.toFixed(2)}× the floor (≤ ${REAL_RATIO_TARGET}×: ${mark(row.ratio! <= REAL_RATIO_TARGET)}; ${row.nearbyRatio!.toFixed(2)}× the floors around it)`,
			`+${Math.round(row.aboveIdleMb!)} MB above idle (≤ ${REAL_RSS_ABOVE_IDLE_TARGET_MB} MB: ${mark(row.aboveIdleMb! <= REAL_RSS_ABOVE_IDLE_TARGET_MB)})`,
		];
		if (row.output === 'binary' || row.output === 'binaryUserId') checks.push(`database +${bytes(row.dbGrowthBytes!)} (≤ 1 MB: ${mark(row.dbGrowthBytes! <= REAL_DB_TARGET_BYTES)})`);
		return `- ${count(row.size)}, ${row.label.replace('n8n start, ', '')}: ${checks.join(', ')}`;
	});
}

/** Bytes n8n's database grew by per output item, for the per-member rows (what the node's hint quotes). */
export function bytesPerItem(rows: RealRow[]): string[] {
	return rows
		.filter((row) => row.side === 'n8n' && row.output === 'items')
		.map((row) => `- ${count(row.size)}, One Item per Member: ${Math.round(row.dbGrowthBytes! / row.unique)} bytes of database per item`);
}
