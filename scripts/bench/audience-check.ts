/**
 * The two sides of the benchmark must leave the same audience behind: each final audience is reduced to
 * its size and a SHA-256 of its sorted ids, and compared with the cohort's true identified members.
 */
import { createHash } from 'node:crypto';

import type { AmplitudeSandbox } from '../../sandbox/amplitude';

export interface AudienceDigest {
	size: number;
	sha256: string;
}

export function digestOf(sortedIds: readonly string[]): AudienceDigest {
	const hash = createHash('sha256');
	for (const id of sortedIds) hash.update(`${id}\n`);
	return { size: sortedIds.length, sha256: hash.digest('hex').slice(0, 16) };
}

/** What a correct sync leaves: the cohort's non-empty user ids, once each. */
export async function expectedAudience(amplitude: AmplitudeSandbox, cohortId: string): Promise<AudienceDigest> {
	const ids = new Set<string>();
	for await (const member of amplitude.members(cohortId)) if (member.user_id !== '') ids.add(member.user_id);
	const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
	return digestOf(sorted);
}

export function sameAudience(a: AudienceDigest, b: AudienceDigest): boolean {
	return a.size === b.size && a.sha256 === b.sha256;
}
