/** Test helpers: a group of member rows from one array per row, and back. */
import type { MemberColumns, MemberRows } from '../../nodes/Amplitude/helpers/members';

export function memberRows(columns: MemberColumns, rows: string[][]): MemberRows {
	return { columns, fields: rows.flat(), count: rows.length };
}

export function rowsOf(group: MemberRows): string[][] {
	const { width } = group.columns;
	return Array.from({ length: group.count }, (_unused, row) => group.fields.slice(row * width, (row + 1) * width));
}

const ID_COLUMNS = { amplitudeId: 0, userId: 1, properties: [], width: 2 };

/** Members with these user IDs ('' is an anonymous member), in groups of three. */
export async function* groupsOfThree(userIds: string[]): AsyncIterable<MemberRows> {
	for (let start = 0; start < userIds.length; start += 3) {
		yield memberRows(ID_COLUMNS, userIds.slice(start, start + 3).map((userId, i) => [String(start + i), userId]));
	}
}
