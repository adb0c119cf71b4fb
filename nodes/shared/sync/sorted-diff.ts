/** Who entered and who left, from two sorted, duplicate-free id lists, in one linear walk. */
import { compareIds } from './member-collector';

export interface IdDiff {
	entered: string[];
	left: string[];
	unchanged: number;
}

export function diffSortedIds(previous: readonly string[], current: readonly string[]): IdDiff {
	const entered: string[] = [];
	const left: string[] = [];
	let unchanged = 0;
	let p = 0;
	let c = 0;
	while (p < previous.length && c < current.length) {
		const order = compareIds(previous[p], current[c]);
		if (order === 0) {
			unchanged++;
			p++;
			c++;
		} else if (order < 0) {
			left.push(previous[p++]);
		} else {
			entered.push(current[c++]);
		}
	}
	while (p < previous.length) left.push(previous[p++]);
	while (c < current.length) entered.push(current[c++]);
	return { entered, left, unchanged };
}
