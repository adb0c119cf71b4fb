/** Shared by upload and membership: id list shape, the 100,000-id cap, and which ids are invalid. */
import { MAX_IDS_PER_REQUEST } from './config';
import { amplitudeIdForUserId, isKnownAmplitudeId, isKnownUserId, userIdForAmplitudeId } from './identities';

export type IdKind = 'amplitude' | 'user';

export function isStringArray(value: unknown): value is string[] {
	return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

export function tooManyIdsMessage(count: number): string {
	return `Too many ids: ${count} received, at most ${MAX_IDS_PER_REQUEST} ids are accepted per request`;
}

export function isValidId(kind: IdKind, id: string): boolean {
	return kind === 'amplitude' ? isKnownAmplitudeId(id) : isKnownUserId(id);
}

/** The [amplitude_id, user_id] pair an id stands for. */
export function resolveId(kind: IdKind, id: string): [string, string] {
	return kind === 'amplitude' ? [id, userIdForAmplitudeId(id)] : [amplitudeIdForUserId(id), id];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
