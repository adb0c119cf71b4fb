/**
 * How many members a planned sync takes out of the audience, and whether that is more than the user
 * allows in one run (Maximum Share Removed Per Run): a guard against a broken upstream emptying an
 * audience that campaigns target. Pure.
 */
import type { SyncPlan } from './plan';

export interface RemovalEstimate {
	/** Members the run removes (for a Replace without a usable state: at least this many). */
	count: number;
	/** True when `count` is a lower bound (Replace of an audience whose members are unknown). */
	atLeast: boolean;
	/** Members the audience held before, as far as the run knows. */
	of: number;
	/** count / of, 0 when the audience was empty. */
	share: number;
}

export function estimateRemovals(
	plan: SyncPlan,
	unique: number,
	audienceSize: number | null,
	previousIds: { readonly length: number } | undefined,
	keptFromPrevious: number | undefined,
): RemovalEstimate {
	let count: number;
	let atLeast = false;
	let of = audienceSize ?? previousIds?.length ?? 0;
	if (plan.mode === 'replace') {
		if (previousIds && keptFromPrevious !== undefined) {
			count = previousIds.length - keptFromPrevious;
			of = previousIds.length;
		} else {
			// Replace drops whoever is not in the input; unknown members: the size difference is the least.
			count = Math.max(0, (audienceSize ?? 0) - unique);
			atLeast = true;
		}
	} else {
		count = plan.toRemove;
	}
	return { count, atLeast, of, share: of > 0 ? count / of : 0 };
}

/** The message of a run refused by the limit (percent), or undefined when within it. */
export function removalLimitBreach(audience: string, estimate: RemovalEstimate, maxSharePercent: number | undefined): string | undefined {
	if (maxSharePercent === undefined || estimate.count === 0) return undefined;
	if (estimate.share * 100 <= maxSharePercent) return undefined;
	return (
		`This run would remove ${estimate.atLeast ? 'at least ' : ''}${estimate.count} of the ${estimate.of} members of audience ` +
		`"${audience}" (${formatPercent(estimate.share)}), more than Maximum Share Removed Per Run (${maxSharePercent}%). ` +
		'Nothing was written. If the cohort really shrank, raise the option or run once without it; otherwise check the input ' +
		'(field mapping, upstream output format, anonymous members).'
	);
}

function formatPercent(share: number): string {
	return `${Math.round(share * 1000) / 10}%`;
}
