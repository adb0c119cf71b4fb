/**
 * The monthly export budget, as pure functions of `now` (so a month can be simulated): Amplitude meters
 * cohort exports per project and calendar month (500 on Growth and Enterprise plans); we count per UTC month.
 */
import type { MonthlyExportCount } from './export-records';

/** "2026-12" for any instant of December 2026, UTC. */
export function monthOf(now: number): string {
	return new Date(now).toISOString().slice(0, 7);
}

/** The first instant of the next UTC month: when the count starts again from zero. */
export function nextResetOf(now: number): Date {
	const date = new Date(now);
	return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
}

/** Exports counted in `now`'s month (an older month's count no longer applies). */
export function exportsInMonth(count: MonthlyExportCount | undefined, now: number): number {
	return count && count.month === monthOf(now) ? count.count : 0;
}

export function withOneMoreExport(count: MonthlyExportCount | undefined, now: number): MonthlyExportCount {
	return { month: monthOf(now), count: exportsInMonth(count, now) + 1 };
}

/** Budget option: a number of exports (whole part), undefined for none (0 or empty), null when not a number ≥ 0. */
export function budgetOf(value: unknown): number | undefined | null {
	if (value === undefined || value === null || value === '') return undefined;
	const budget = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
	if (!Number.isFinite(budget) || budget < 0) return null;
	return budget >= 1 ? Math.floor(budget) : undefined;
}

/** Why the next export must not start, or undefined when it may. */
export function budgetRefusal(started: number, budget: number | undefined, now: number): string | undefined {
	if (budget === undefined || started < budget) return undefined;
	const reset = nextResetOf(now).toISOString().slice(0, 10);
	return (
		`Monthly export budget reached: this workflow has started ${started} exports of this Amplitude project in ` +
		`${monthOf(now)} (UTC), and the budget is ${budget}. No export was started. The count starts again on ${reset} (UTC). ` +
		'To spend fewer exports: turn on "Skip If Unchanged", schedule the workflow less often, or start it with the ' +
		'Amplitude Trigger (Cohort Changed), which exports only cohorts that Amplitude recomputed. ' +
		'To allow more, raise "Monthly Export Budget" (Amplitude allows 500 exports a month per project on Growth and Enterprise plans).'
	);
}
