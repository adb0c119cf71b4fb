/** Format `compact`: the user IDs only, as one array (a string per member costs far less than an item). */
import { detachField } from '../../shared/csv';
import type { MemberRows } from '../helpers/members';
import { emptyCounts, type MemberCounts } from './counts';

/** Counts every member and keeps the user IDs (the first `limit` of them: an agent gets a summary). */
export async function collectUserIds(
	batches: AsyncIterable<MemberRows>,
	limit = Number.POSITIVE_INFINITY,
): Promise<MemberCounts & { userIds: string[] }> {
	const counts = emptyCounts();
	const userIds: string[] = [];
	for await (const { columns, rows } of batches) {
		for (const { fields } of rows) {
			counts.memberCount++;
			const userId = fields[columns.userId];
			if (userId === '') counts.anonymousCount++;
			else if (userIds.length < limit) userIds.push(detachField(userId)); // kept to the end: must not pin the file's text
		}
	}
	return { ...counts, userIds };
}
