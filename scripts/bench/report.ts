/** The benchmark's markdown: the full-sync table, where the time went, and the re-sync lines. */
import type { SyncRow } from './full-sync';
import { CHURN, type ResyncResult, type ResyncRun } from './resync';

export const RATIO_TARGET = 1.3;
export const RSS_TARGET_MB = 600;
/** The targets bind the biggest cohort in the forms meant for big cohorts. */
export const TARGET_SIZE = 2_000_000;

const count = (value: number) => value.toLocaleString('en-US');
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const mark = (ok: boolean) => (ok ? 'yes' : '**no**');

/** The hand-overs the targets are for: all but one item per member. */
const TARGET_HANDOVERS: ReadonlyArray<SyncRow['handover']> = ['compact', 'compactText', 'binary', 'binaryUserId'];

export function isTargetRow(row: SyncRow): boolean {
	return row.side === 'n8n' && row.size === TARGET_SIZE && TARGET_HANDOVERS.includes(row.handover);
}

export function syncTable(rows: SyncRow[]): string[] {
	const lines = [
		'| case | members | ids synced | wall s | runs s | CPU s | peak RSS MB | RSS at start MB | requests (Amplitude + Batch) | × floor wall | ≤ 1.3× floor | ≤ 600 MB |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|:-:|',
	];
	for (const row of rows) {
		const node = row.side === 'n8n';
		const cells = [
			`${row.label}${isTargetRow(row) ? ' *' : ''}`,
			count(row.size),
			count(row.unique),
			seconds(row.wallMs),
			row.wallMsRuns.map(seconds).join(', '),
			seconds(row.cpuMs),
			String(row.peakRssMb),
			String(row.baselineRssMb),
			`${row.requests.total} (${row.requests.amplitude} + ${row.requests.batch})`,
			node && row.ratio !== undefined ? `${row.ratio.toFixed(2)}×` : '1.00×',
			node && row.ratio !== undefined ? mark(row.ratio <= RATIO_TARGET) : '—',
			node ? mark(row.peakRssMb <= RSS_TARGET_MB) : '—',
		];
		lines.push(`| ${cells.join(' | ')} |`);
	}
	return lines;
}

export function phaseTable(rows: SyncRow[]): string[] {
	return [
		'| case | members | where the time went (s) |',
		'|---|---:|---|',
		...rows.map((row) => `| ${row.label} | ${count(row.size)} | ${row.phases} |`),
	];
}

export function targetSummary(rows: SyncRow[]): string[] {
	const bound = rows.filter(isTargetRow);
	if (bound.length === 0) return [`Targets (≤ ${RATIO_TARGET}× the floor, ≤ ${RSS_TARGET_MB} MB) bind the ${count(TARGET_SIZE)}-member compact and binary runs, not measured here.`];
	return bound.map(
		(row) =>
			`- ${count(row.size)} ${row.handover}: ${row.ratio!.toFixed(2)}× the floor (target ≤ ${RATIO_TARGET}×: ${row.ratio! <= RATIO_TARGET ? 'met' : 'missed'}), ` +
			`peak RSS ${row.peakRssMb} MB (target ≤ ${RSS_TARGET_MB} MB: ${row.peakRssMb <= RSS_TARGET_MB ? 'met' : 'missed'})`,
	);
}

function resyncRow(label: string, run: ResyncRun): string {
	const r = run.requests;
	return `| ${label} | ${seconds(run.wallMs)} | ${r.total} (${r.amplitude} + ${r.batch}) | ${r.batchWrites} | ${count(run.added)} / ${count(run.removed)} | ${run.effectiveMode} | ${run.peakRssMb} |`;
}

/**
 * The budget: 1% of the full run's requests, plus a constant: the calls every run makes whatever the
 * cohort's size (the Amplitude export sequence and Batch's view: those of the re-sync carrying no ids),
 * and one partly filled chunk for each of the two actions (adds and removes).
 */
export function resyncBudget(result: ResyncResult): { budget: number; constant: number; met: boolean } {
	const full = result.node.full.requests.total;
	const changed = result.node.changed.requests;
	const constant = changed.total - changed.batchWrites + 2;
	const budget = Math.ceil(full * 0.01) + constant;
	return { budget, constant, met: changed.total <= budget && result.node.changed.effectiveMode === 'syncChanges' };
}

export function resyncSection(result: ResyncResult): string[] {
	const { budget, constant, met } = resyncBudget(result);
	const full = result.node.full.requests.total;
	const changed = result.node.changed.requests;
	return [
		`Sync changes, ${count(result.size)} members (${result.handover}), then the cohort's next revision replacing ${CHURN * 100}% of its members:`,
		'',
		'| run | wall s | requests (Amplitude + Batch) | Batch writes | ids added / removed | mode | peak RSS MB |',
		'|---|---:|---:|---:|---:|---|---:|',
		resyncRow('n8n, first run (no state)', result.node.full),
		resyncRow('n8n, after the 1% change', result.node.changed),
		resyncRow('floor, first run (no state)', result.floor.full),
		resyncRow('floor, after the 1% change', result.floor.changed),
		'',
		`Re-sync: ${changed.total} requests against ${full} for the full run (${((changed.total / full) * 100).toFixed(1)}%), ` +
			`${seconds(result.node.changed.wallMs)} s against ${seconds(result.node.full.wallMs)} s. ` +
			`Target ≤ 1% of the full run + a constant: ⌈${full} × 1%⌉ + ${constant} = ${budget} → ${met ? 'met' : 'missed'} ` +
			`(constant: the ${changed.total - changed.batchWrites} calls that carry no ids — Amplitude's export sequence and Batch's view — ` +
			'plus one partly filled chunk for each of adds and removes).',
	];
}
