/** Endpoint 5: create a static cohort from ids, or replace one (`existing_cohort_id`). */
import { randomBytes } from 'node:crypto';

import { sendJson } from '../shared/server';
import type { AppHandler } from './auth';
import { MAX_IDS_PER_REQUEST } from './config';
import type { SandboxContext } from './context';
import { sendStructuredError } from './errors';
import { isRecord, isStringArray, isValidId, resolveId, tooManyIdsMessage } from './id-checks';
import type { StaticCohortState } from './static-cohorts';

const INVALID_SAMPLE_SIZE = 10;

function newCohortId(context: SandboxContext): string {
	let id: string;
	do id = randomBytes(6).toString('hex').slice(0, 7);
	while (context.cohorts.get(id));
	return id;
}

export function uploadCohort(context: SandboxContext): AppHandler {
	return (req, res) => {
		const fail = (message: string, metadata: Record<string, unknown> = {}) => sendStructuredError(res, 400, 'validation_error', message, metadata);
		const body = req.json;
		if (req.jsonError || !isRecord(body)) return fail('Request body must be a JSON object');
		const { name, app_id, id_type, ids, owner, published, cg, skip_save, skip_invalid_ids, existing_cohort_id } = body;
		if (typeof name !== 'string' || name.trim() === '') return fail('name is required (string)');
		if (typeof app_id !== 'number' || !Number.isInteger(app_id)) return fail('app_id is required (integer)');
		if (app_id !== context.appId) return fail(`app_id ${app_id} is not the project of this API key`);
		if (id_type !== 'BY_AMP_ID' && id_type !== 'BY_USER_ID') return fail('id_type must be BY_AMP_ID or BY_USER_ID');
		if (!isStringArray(ids)) return fail('ids is required (array of strings)');
		if (ids.length > MAX_IDS_PER_REQUEST) return fail(tooManyIdsMessage(ids.length), { limit: MAX_IDS_PER_REQUEST, received: ids.length });
		if (typeof owner !== 'string' || !owner.includes('@')) return fail('owner is required (the login email of the cohort owner)');
		if (typeof published !== 'boolean') return fail('published is required (boolean)');
		if (cg !== undefined && typeof cg !== 'string') return fail('cg must be a string');
		if (skip_save !== undefined && typeof skip_save !== 'boolean') return fail('skip_save must be a boolean');
		if (skip_invalid_ids !== undefined && typeof skip_invalid_ids !== 'boolean') return fail('skip_invalid_ids must be a boolean');
		if (existing_cohort_id !== undefined && typeof existing_cohort_id !== 'string') return fail('existing_cohort_id must be a string');

		let existing: StaticCohortState | undefined;
		if (existing_cohort_id !== undefined) {
			const found = context.cohorts.get(existing_cohort_id);
			if (!found) return sendStructuredError(res, 404, 'not_found', `Cohort ${existing_cohort_id} not found`);
			if (found.kind !== 'static') return fail(`Cohort ${existing_cohort_id} is a behavioral cohort; only uploaded cohorts can be replaced`);
			existing = found.state;
		}

		const kind = id_type === 'BY_AMP_ID' ? 'amplitude' : 'user';
		const invalid = ids.filter((id) => !isValidId(kind, id));
		if (invalid.length > 0 && skip_invalid_ids === false) {
			return sendStructuredError(res, 400, 'invalid_ids', `${invalid.length} invalid ids; nothing was uploaded`, {
				invalid_ids: invalid.slice(0, 1000),
				invalid_count: invalid.length,
			});
		}
		const members = new Map<string, string>();
		for (const id of ids) if (isValidId(kind, id)) members.set(...resolveId(kind, id));

		let cohortId: string | null = existing?.id ?? null;
		if (skip_save !== true) {
			const now = Date.now();
			cohortId = existing?.id ?? newCohortId(context);
			context.cohorts.setStatic({
				id: cohortId,
				name,
				appId: app_id,
				owner,
				published,
				countGroup: cg ?? existing?.countGroup ?? 'User',
				idType: id_type,
				createdAt: existing?.createdAt ?? now,
				lastMod: now,
				members,
			});
		}
		sendJson(res, 200, {
			[context.knobs.uploadIdField]: cohortId,
			metadata: { matched: members.size, totals: ids.length, invalid_ids_sample: invalid.slice(0, INVALID_SAMPLE_SIZE) },
		});
	};
}
