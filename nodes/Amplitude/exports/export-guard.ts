/**
 * Get cohort's export bookkeeping, in one object so the operation needs three calls: before the export
 * (budget, Skip If Unchanged), when an export is started (count it), after a complete export (record it).
 */
import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { epochToIso } from '../helpers/cohortFields';
import type { AmplitudeCohort } from '../transport/cohorts';
import { amplitudeCredentials } from '../transport/request';
import { budgetOf, exportsInMonth } from './export-budget';
import { countExportStarted, planExport, recordExportCompleted } from './export-plan';
import { projectKeyOf, staticDataExportStore, type ExportRecordStore } from './export-records';
import { maxAgeHoursOf, type ListedCohortState } from './skip-unchanged';

export interface ExportGuardOptions {
	skipIfUnchanged?: boolean;
	exportAtLeastEveryHours?: number;
	monthlyExportBudget?: number;
}

export interface ExportGuard {
	/** Exports this workflow started for this project in the current UTC month (this run's included). */
	exportsThisMonth(): number;
	/** Counts an export that was just started. */
	exportStarted(): void;
	/** Records the cohort as listed before the export, once its members are all out. */
	exportCompleted(): void;
}

export function listedState(cohort: AmplitudeCohort): ListedCohortState {
	const size = Number(cohort.size ?? 0);
	return { lastComputed: epochToIso(cohort.lastComputed), size: Number.isFinite(size) ? size : 0 };
}

function hint(ctx: IExecuteFunctions, message: string, type: 'info' | 'warning' = 'info'): void {
	// addExecutionHints: n8n ≥ 1.3x; older versions only get the log line.
	if (typeof ctx.addExecutionHints === 'function') ctx.addExecutionHints({ message, type, location: 'outputPane' });
}

function badNumber(ctx: IExecuteFunctions, option: string, value: unknown, expected: string, itemIndex: number): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `"${option}" must be ${expected}, not ${JSON.stringify(value)}`, {
		itemIndex,
		description: 'No export was started. Fix the option (or the expression that sets it) and run again.',
	});
}

/**
 * Returns undefined when the export must be skipped (the reason is already in the hints and the log);
 * throws when the budget forbids it. A manual run always exports and never writes cohort records
 * (n8n keeps static data only for production runs anyway).
 */
export async function guardExport(
	ctx: IExecuteFunctions,
	cohort: AmplitudeCohort,
	options: ExportGuardOptions & { itemIndex: number; resuming: boolean },
	store?: ExportRecordStore,
): Promise<ExportGuard | undefined> {
	const { itemIndex } = options;
	const credentials = await amplitudeCredentials(ctx, itemIndex);
	const project = projectKeyOf(String(credentials.apiKey ?? ''));
	const records = store ?? staticDataExportStore(ctx.getWorkflowStaticData('global'), ctx.getWorkflowStaticData('node'));
	const cohortId = String(cohort.id);
	const label = `Cohort "${cohort.name ?? cohortId}"`;
	const listed = listedState(cohort);
	const production = ctx.getMode() !== 'manual';
	const budget = budgetOf(options.monthlyExportBudget);
	const maxAgeHours = maxAgeHoursOf(options.exportAtLeastEveryHours);
	if (budget === null) throw badNumber(ctx, 'Monthly Export Budget', options.monthlyExportBudget, 'a number of exports, 0 for no budget', itemIndex);
	if (maxAgeHours === null) throw badNumber(ctx, 'Export At Least Every (Hours)', options.exportAtLeastEveryHours, 'a number of hours, 0 or more', itemIndex);

	const plan = planExport(records, project, cohortId, listed, Date.now(), {
		skipIfUnchanged: options.skipIfUnchanged === true,
		maxAgeHours,
		budget,
		production,
		resuming: options.resuming,
	});
	if (plan.action === 'refuse') throw new NodeOperationError(ctx.getNode(), plan.reason, { itemIndex });
	if (plan.action === 'skip') {
		ctx.logger.info(`Amplitude cohort ${cohortId}: ${plan.reason}`);
		hint(ctx, `${label}: ${plan.reason}`);
		return undefined;
	}
	if (plan.reason) ctx.logger.info(`Amplitude cohort ${cohortId}: exporting: ${plan.reason}`);

	return {
		exportsThisMonth: () => exportsInMonth(records.monthlyCount(project), Date.now()),
		exportStarted: () => {
			countExportStarted(records, project, Date.now());
		},
		exportCompleted: () => {
			const count = exportsInMonth(records.monthlyCount(project), Date.now());
			hint(
				ctx,
				`${label}: ${count} export${count === 1 ? '' : 's'} of this Amplitude project started by this workflow this month` +
					(budget === undefined ? '' : ` (budget ${budget})`) +
					(production ? '' : '; manual runs always export, and n8n does not save their count'),
				budget !== undefined && count >= budget * 0.8 ? 'warning' : 'info',
			);
			if (production) recordExportCompleted(records, project, cohortId, listed, Date.now());
		},
	};
}
