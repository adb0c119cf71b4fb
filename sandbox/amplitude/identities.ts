/**
 * How the sandbox's users are named. Generated members get 12-digit Amplitude ids in
 * [100000000000, 200000000000); an identified member's user_id is `user-<amplitude_id>`, so ids
 * uploaded by one kind resolve to the other. Any other user id maps to a stable id in the 9xx range.
 */
import { fmix32, hashString } from './hash';

const GENERATED_BASE = 100_000_000_000;
/** 2^32 * 23 < 1e11, so generated ids stay below 200000000000. */
const SPREAD = 23;
const OTHER_USERS_BASE = 900_000_000_000;

/** Injective in serial (< 2^32) for one seed, and scattered so ids look like Amplitude's. */
export function generatedAmplitudeId(seed: number, serial: number): string {
	return String(GENERATED_BASE + fmix32((serial ^ seed ^ 0x2545f491) >>> 0) * SPREAD + (seed % SPREAD));
}

export function userIdForAmplitudeId(amplitudeId: string): string {
	return `user-${amplitudeId}`;
}

export function amplitudeIdForUserId(userId: string): string {
	const generated = /^user-(\d{12})$/.exec(userId);
	if (generated) return generated[1];
	const high = hashString(userId) % 90_000; // stays clear of the reserved 999 prefix
	const low = hashString(`${userId}\u0000`) % 1_000_000;
	return String(OTHER_USERS_BASE + high * 1_000_000 + low);
}

/** Amplitude ids are positive integers. */
export function isAmplitudeId(id: string): boolean {
	return /^[1-9]\d{0,18}$/.test(id);
}

/**
 * The sandbox has no user database: a syntactically valid id is a known user, except ids starting
 * with `unknown-` (or `999` for Amplitude ids), which stand for users Amplitude never saw.
 */
export function isKnownUserId(id: string): boolean {
	return id.trim() !== '' && id.length <= 1024 && !id.startsWith('unknown-');
}

export function isKnownAmplitudeId(id: string): boolean {
	return isAmplitudeId(id) && !id.startsWith('999');
}
