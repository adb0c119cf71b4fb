/**
 * May Sync changes trust its state? Batch cannot list an audience's members, so the state (the ids the
 * last run left) is only worth something while nothing else has written to the audience since. The last
 * run recorded what it saw once its writes were indexed (`nb_ids` and `updated`); any difference now means
 * another writer (a manual run, another workflow, the dashboard, an overlapping run), and the audience is
 * filled with Replace. Full Resync Every bounds what no check can see. Pure: every rule is unit-tested.
 */
import type { AudienceSnapshot, StateMeta } from './state-codec';
import type { AudienceView } from './types';

/** Which check sent a Sync changes run to Replace; the report names it. */
export type FallbackCheck =
	| 'audienceMissing'
	| 'noState'
	| 'unreadableState'
	| 'stateWithoutSnapshot'
	| 'unconfirmedLastRun'
	| 'fullResyncDue'
	| 'stillIndexing'
	| 'sizeChanged'
	| 'updatedChanged';

export type TrustDecision = { trusted: true } | { trusted: false; check: FallbackCheck; reason: string };

const HOUR_MS = 3_600_000;

/** Checks that need no look at the audience: a run may skip waiting for indexing when one fails. */
export function checkStateBookkeeping(meta: StateMeta, now: Date, fullResyncEveryHours: number | undefined): TrustDecision {
	if (!meta.audience) {
		return distrust(
			'stateWithoutSnapshot',
			'The state was saved by an earlier version that did not record what the audience looked like after its writes: ' +
				'it is filled with Replace once.',
		);
	}
	if (!meta.audience.confirmed) {
		return distrust(
			'unconfirmedLastRun',
			'The last run could not confirm what the audience held after its writes (Batch had not finished indexing them ' +
				'within Max Indexing Wait): it is filled with Replace.',
		);
	}
	if (fullResyncEveryHours !== undefined && fullResyncEveryHours > 0) {
		const last = meta.fullSyncAt ? Date.parse(meta.fullSyncAt) : Number.NaN;
		if (Number.isNaN(last) || now.getTime() - last >= fullResyncEveryHours * HOUR_MS) {
			return distrust(
				'fullResyncDue',
				`Full Resync Every ${fullResyncEveryHours} h: the last full Replace was ${meta.fullSyncAt ? `at ${meta.fullSyncAt}` : 'never recorded'}, ` +
					'so the audience is filled with Replace.',
			);
		}
	}
	return { trusted: true };
}

/** Compares the audience as it is now (indexed) with what the last run saw after its writes. */
export function checkAudienceUnchanged(snapshot: AudienceSnapshot, view: AudienceView): TrustDecision {
	if (snapshot.nbIds !== null && view.nbIds !== undefined && view.nbIds !== snapshot.nbIds) {
		return distrust(
			'sizeChanged',
			`The audience holds ${view.nbIds} ids but the last sync left ${snapshot.nbIds}: it changed outside this sync, ` +
				'so it is filled with Replace.',
		);
	}
	if (snapshot.updated !== null && view.updated !== undefined && view.updated !== snapshot.updated) {
		return distrust(
			'updatedChanged',
			`The audience was last changed at ${view.updated}, after this sync's last write (${snapshot.updated}): something ` +
				'else wrote to it (a manual run, another workflow or tool, the dashboard, an overlapping run), so it is filled with Replace.',
		);
	}
	return { trusted: true };
}

export function distrust(check: FallbackCheck, reason: string): TrustDecision {
	return { trusted: false, check, reason };
}
