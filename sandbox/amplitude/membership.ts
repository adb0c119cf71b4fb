/** Endpoint 6: add or remove ids of an uploaded cohort, all entries validated before any is applied. */
import { sendJson } from '../shared/server';
import type { AppHandler } from './auth';
import { MAX_IDS_PER_REQUEST } from './config';
import type { SandboxContext } from './context';
import { sendStructuredError } from './errors';
import { isRecord, isStringArray, isValidId, resolveId, tooManyIdsMessage, type IdKind } from './id-checks';

interface MembershipEntry {
	ids: string[];
	id_type: 'BY_ID' | 'BY_NAME';
	operation: 'ADD' | 'REMOVE';
}

function parseEntry(value: unknown): MembershipEntry | string {
	if (!isRecord(value)) return 'each memberships entry must be an object';
	if (!isStringArray(value.ids)) return 'memberships[].ids is required (array of strings)';
	if (value.id_type !== 'BY_ID' && value.id_type !== 'BY_NAME') return 'memberships[].id_type must be BY_ID or BY_NAME';
	if (value.operation !== 'ADD' && value.operation !== 'REMOVE') return 'memberships[].operation must be ADD or REMOVE';
	return { ids: value.ids, id_type: value.id_type, operation: value.operation };
}

export function updateMembership(context: SandboxContext): AppHandler {
	return (req, res) => {
		const fail = (message: string, metadata: Record<string, unknown> = {}) => sendStructuredError(res, 400, 'validation_error', message, metadata);
		const body = req.json;
		if (req.jsonError || !isRecord(body)) return fail('Request body must be a JSON object');
		const { cohort_id, count_group, memberships, skip_invalid_ids } = body;
		if (typeof cohort_id !== 'string' || cohort_id === '') return fail('cohort_id is required (string)');
		if (count_group !== undefined && typeof count_group !== 'string') return fail('count_group must be a string');
		if (skip_invalid_ids !== undefined && typeof skip_invalid_ids !== 'boolean') return fail('skip_invalid_ids must be a boolean');
		if (!Array.isArray(memberships) || memberships.length === 0) return fail('memberships is required (non-empty array)');
		const entries: MembershipEntry[] = [];
		for (const value of memberships) {
			const entry = parseEntry(value);
			if (typeof entry === 'string') return fail(entry);
			entries.push(entry);
		}
		const total = entries.reduce((sum, entry) => sum + entry.ids.length, 0);
		if (total > MAX_IDS_PER_REQUEST) return fail(tooManyIdsMessage(total), { limit: MAX_IDS_PER_REQUEST, received: total });

		const found = context.cohorts.get(cohort_id);
		if (!found) return sendStructuredError(res, 404, 'not_found', `Cohort ${cohort_id} not found`);
		if (found.kind !== 'static') return fail(`Cohort ${cohort_id} is a behavioral cohort; membership can only be edited on uploaded cohorts`);
		const cohort = found.state;
		const countGroup = count_group ?? 'User';
		if (countGroup !== cohort.countGroup) {
			return fail(`count_group ${countGroup} does not match the cohort's count group ${cohort.countGroup}`);
		}

		// For the User count group, BY_ID is the Amplitude id and BY_NAME the user id.
		const kindOf = (entry: MembershipEntry): IdKind => (entry.id_type === 'BY_ID' ? 'amplitude' : 'user');
		const skipped = entries.map((entry) => entry.ids.filter((id) => !isValidId(kindOf(entry), id)));
		const invalidCount = skipped.reduce((sum, ids) => sum + ids.length, 0);
		if (invalidCount > 0 && skip_invalid_ids === false) {
			return sendStructuredError(res, 400, 'invalid_ids', `${invalidCount} invalid ids; membership was not changed`, {
				invalid_ids: skipped.flat().slice(0, 1000),
				invalid_count: invalidCount,
			});
		}
		for (const entry of entries) {
			for (const id of entry.ids) {
				if (!isValidId(kindOf(entry), id)) continue;
				const [amplitudeId, userId] = resolveId(kindOf(entry), id);
				if (entry.operation === 'ADD') {
					if (!cohort.members.has(amplitudeId)) cohort.members.set(amplitudeId, userId);
				} else cohort.members.delete(amplitudeId);
			}
		}
		cohort.lastMod = Date.now();
		sendJson(res, 200, {
			cohort_id,
			memberships_result: entries.map((entry, index) => ({ skipped_ids: skipped[index], id_type: entry.id_type, operation: entry.operation })),
		});
	};
}
