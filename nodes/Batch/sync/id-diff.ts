/**
 * Who entered and who left between the last run's ids and this run's, in whatever order each comes: one
 * hash pass over each list, where a sorted walk would first have to sort two million ids (seconds).
 */
import { IdSet } from './id-set';

export interface IdDiff {
	/** In this run's order. */
	entered: string[];
	/** In the last run's order. */
	left: string[];
	unchanged: number;
}

/** `current` holds each id once; a repeat in `previous` counts once. */
export function diffIds(previous: readonly string[], current: readonly string[]): IdDiff {
	const before = new IdSet();
	for (const id of previous) before.add(id);
	const stayed = new Uint8Array(before.size);
	const entered: string[] = [];
	let unchanged = 0;
	for (const id of current) {
		const index = before.indexOf(id);
		if (index < 0) {
			entered.push(id);
		} else if (stayed[index] === 0) {
			stayed[index] = 1;
			unchanged++;
		}
	}
	const earlier = before.take();
	const left: string[] = [];
	for (let index = 0; index < earlier.length; index++) if (stayed[index] === 0) left.push(earlier[index]);
	return { entered, left, unchanged };
}
