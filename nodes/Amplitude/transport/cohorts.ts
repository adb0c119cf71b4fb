/** Endpoint 1: the cohort list (no pagination, no single-cohort endpoint: one answer holds all). */
import { NodeApiError, type JsonObject } from 'n8n-workflow';

import { callAmplitude, type AmplitudeContext, type CallSettings } from './request';

/** The fields we read; the rest of Amplitude's cohort object passes through untouched. */
export interface AmplitudeCohort {
	id: string;
	name: string;
	size?: number | null;
	archived?: boolean | null;
	finished?: boolean | null;
	published?: boolean | null;
	owners?: string[] | null;
	lastComputed?: number | string | null;
	[field: string]: unknown;
}

export async function listCohorts(ctx: AmplitudeContext, settings: CallSettings = {}): Promise<AmplitudeCohort[]> {
	const answer = await callAmplitude<{ cohorts?: unknown }>(
		ctx,
		{ path: '/api/3/cohorts', action: 'Listing cohorts', expectedStatuses: [200] },
		settings,
	);
	const cohorts = answer.body?.cohorts;
	if (!Array.isArray(cohorts)) {
		throw new NodeApiError(ctx.getNode(), { message: 'No cohorts array in the answer' } as JsonObject, {
			message: 'Listing cohorts returned an unexpected answer (no "cohorts" list)',
			itemIndex: settings.itemIndex,
		});
	}
	return (cohorts as AmplitudeCohort[]).filter((cohort) => cohort && cohort.id !== undefined && cohort.id !== null);
}
