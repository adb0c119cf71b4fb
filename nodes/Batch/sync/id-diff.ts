/**
 * Who entered and who left between the last run's ids and this run's, in whatever order each comes: the
 * ids are matched by hash, bucket by bucket (hash-buckets.ts), where a sorted walk would first have to
 * sort two million ids (seconds).
 */
import { matchIds } from './hash-buckets';
import { packed, type IdList } from './packed-ids';

export interface IdDiff {
	/** In this run's order. */
	entered: IdList;
	/** In the last run's order. */
	left: IdList;
	unchanged: number;
}

/** Each list holds each id once (a PackedIds, or a view of one). */
export function diffIds(previous: IdList, current: IdList): IdDiff {
	const before = packed(previous);
	const now = packed(current);
	const stayed = new Uint8Array(before.length);
	const entered = new Int32Array(now.length);
	let enteredCount = 0;
	let unchanged = 0;
	const match = matchIds(before.idHashes, now.idHashes, (beforeIndex, nowIndex) => before.sameId(beforeIndex, now, nowIndex));
	for (let index = 0; index < now.length; index++) {
		const found = match[index];
		if (found < 0) entered[enteredCount++] = index;
		else if (stayed[found] === 0) {
			stayed[found] = 1;
			unchanged++;
		}
	}
	const left = new Int32Array(before.length - unchanged);
	let leftCount = 0;
	for (let index = 0; index < before.length; index++) if (stayed[index] === 0) left[leftCount++] = index;
	return { entered: now.pick(entered.subarray(0, enteredCount)), left: before.pick(left), unchanged };
}
