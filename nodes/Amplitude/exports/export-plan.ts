/**
 * The decisions of Get cohort's export bookkeeping as pure functions of the store and `now`: the node
 * calls them with the clock, a simulated month calls them with its own.
 */
import { budgetRefusal, exportsInMonth, withOneMoreExport } from './export-budget';
import type { ExportRecordStore } from './export-records';
import { decideSkip, type ListedCohortState } from './skip-unchanged';

export interface ExportPlanSettings {
	skipIfUnchanged: boolean;
	maxAgeHours: number;
	budget: number | undefined;
	/** Production run: Skip If Unchanged applies and cohort records are written. */
	production: boolean;
	/** Resuming an earlier export: nothing new is started, so nothing is skipped, refused or counted. */
	resuming: boolean;
}

export type ExportPlan = { action: 'export'; reason?: string } | { action: 'skip'; reason: string } | { action: 'refuse'; reason: string };

export function planExport(
	store: ExportRecordStore,
	project: string,
	cohortId: string,
	listed: ListedCohortState,
	now: number,
	settings: ExportPlanSettings,
): ExportPlan {
	let reason: string | undefined;
	if (settings.skipIfUnchanged && settings.production && !settings.resuming) {
		const decision = decideSkip(store.cohortRecord(project, cohortId), listed, now, settings.maxAgeHours);
		if (decision.skip) return { action: 'skip', reason: decision.reason };
		reason = decision.reason;
	}
	if (!settings.resuming) {
		const refusal = budgetRefusal(exportsInMonth(store.monthlyCount(project), now), settings.budget, now);
		if (refusal) return { action: 'refuse', reason: refusal };
	}
	return { action: 'export', reason };
}

export function countExportStarted(store: ExportRecordStore, project: string, now: number): number {
	const count = withOneMoreExport(store.monthlyCount(project), now);
	store.saveMonthlyCount(project, count);
	return count.count;
}

/** After a complete export (production runs only: a manual run's record would not be saved anyway). */
export function recordExportCompleted(
	store: ExportRecordStore,
	project: string,
	cohortId: string,
	listed: ListedCohortState,
	now: number,
): void {
	store.saveCohortRecord(project, cohortId, { ...listed, exportedAt: new Date(now).toISOString() });
}
