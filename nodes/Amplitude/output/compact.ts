/**
 * Format `compact`: the user IDs only, in one item (a string per member costs far less than an item), as a
 * list (an array) or, for the biggest cohorts, as one text with an ID per line. n8n saves a production
 * execution with flatted, which handles every string of an array on its own: at 1.8 million IDs that
 * takes about 4 s and 500 MB of memory, against a fraction of a second and a few tens of MB for one text.
 */
import type { INodeProperties } from 'n8n-workflow';

import { detachField } from '../../shared/csv';
import type { MemberRows } from '../helpers/members';
import { emptyCounts, type MemberCounts } from './counts';

export type UserIdsForm = 'list' | 'text';

const userIdsAsOptions: INodeProperties['options'] = [
	{
		name: 'List',
		value: 'list',
		description: 'An array of user IDs in the field userIds: what expressions, Split Out and Code nodes expect',
	},
	{
		name: 'Text, One per Line',
		value: 'text',
		description:
			"One text with a user ID per line in the field userIds: n8n saves the execution with far less memory (above ~1,000,000 members). Batch's Upsert reads both.",
	},
];

/**
 * Version 1 gives a list unless told otherwise, and keeps doing so for saved workflows. From version 1.1
 * the text is the default: this output is chosen for big cohorts, and the list is what n8n cannot save
 * cheaply (at 2,000,000 members, hundreds of MB more memory per production execution).
 */
export const compactProperties: INodeProperties[] = [
	{
		displayName: 'User IDs As',
		name: 'userIdsAs',
		type: 'options',
		default: 'list',
		displayOptions: { show: { outputFormat: ['compact'], '@version': [1] } },
		options: userIdsAsOptions,
	},
	{
		displayName: 'User IDs As',
		name: 'userIdsAs',
		type: 'options',
		default: 'text',
		displayOptions: { show: { outputFormat: ['compact'], '@version': [1.1] } },
		options: userIdsAsOptions,
	},
];

/** Counts every member and keeps the user IDs (the first `limit` of them: an agent gets a summary). */
export async function collectUserIds(
	memberRows: AsyncIterable<MemberRows>,
	limit = Number.POSITIVE_INFINITY,
): Promise<MemberCounts & { userIds: string[] }> {
	const counts = emptyCounts();
	const userIds: string[] = [];
	for await (const { columns, fields } of memberRows) {
		for (let row = 0; row < fields.length; row += columns.width) {
			counts.memberCount++;
			const userId = fields[row + columns.userId];
			if (userId === '') counts.anonymousCount++;
			else if (userIds.length < limit) userIds.push(detachField(userId)); // kept to the end: must not pin the file's text
		}
	}
	return { ...counts, userIds };
}
