/**
 * Sync changes states live in the workflow's static data, which n8n loads and saves whole with every
 * production run. A state of an audience nobody syncs any more would stay there for good (up to ~16 MB
 * each): states unused for 30 days are pruned, and the total is capped so a workflow cannot grow its
 * static data without bound. Pure over the static data object.
 */
import type { EncodedAudienceState } from './state-codec';

export const STATE_RETENTION_DAYS = 30;

/** Total size of the stored id blobs above which a run refuses to go on (base64 characters). */
export const MAX_TOTAL_STATE_CHARS = 64 * 1024 * 1024;

const DAY_MS = 86_400_000;

/** Deletes the states (other than `keep`) last used more than 30 days ago; returns the keys pruned. */
export function pruneUnusedStates(entries: Record<string, unknown>, keep: string, now: Date): string[] {
	const pruned: string[] = [];
	for (const [key, value] of Object.entries(entries)) {
		if (key === keep) continue;
		const state = value as Partial<EncodedAudienceState> | undefined;
		const last = Date.parse(state?.usedAt ?? state?.savedAt ?? '');
		if (Number.isNaN(last) || now.getTime() - last > STATE_RETENTION_DAYS * DAY_MS) {
			delete entries[key];
			pruned.push(key);
		}
	}
	return pruned;
}

/** The error message when the stored states are over the cap, or undefined. */
export function stateCapBreach(entries: Record<string, unknown>): string | undefined {
	let total = 0;
	const sizes: string[] = [];
	for (const [key, value] of Object.entries(entries)) {
		const chars = typeof (value as Partial<EncodedAudienceState>)?.ids === 'string' ? (value as EncodedAudienceState).ids.length : 0;
		total += chars;
		sizes.push(`${key.split(':').pop()}: ${megabytes(chars)}`);
	}
	if (total <= MAX_TOTAL_STATE_CHARS) return undefined;
	return (
		`The Sync Changes states of this workflow take ${megabytes(total)}, over the ${megabytes(MAX_TOTAL_STATE_CHARS)} ` +
		`this package allows in n8n's static data (${sizes.join(', ')}). Sync the biggest audiences with Replace, or split ` +
		'them across workflows.'
	);
}

function megabytes(chars: number): string {
	return `${Math.round((chars / 1024 / 1024) * 10) / 10} MB`;
}
