/**
 * Format `compact`: the user IDs only, in one item (a string per member costs far less than an item), as a
 * list (an array) or, for the biggest cohorts, as one text with an ID per line. n8n saves a production
 * execution with flatted, which handles every string of an array on its own: at 1.8 million IDs that
 * takes about 4 s and 500 MB of memory, against a fraction of a second and a few tens of MB for one text.
 */
import { NodeOperationError, type INode, type INodeProperties } from 'n8n-workflow';

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

/**
 * Counts every member and joins the user IDs into one text, each ID on its own line ended by a line break
 * (so a reader can tell it from any other text field; no member: ""). Each group of rows is joined as it arrives,
 * so the IDs are never held as millions of strings. A user ID that holds a line break would read as two:
 * the item fails instead, pointing to the list form.
 */
export async function collectUserIdText(
	memberRows: AsyncIterable<MemberRows>,
	where: { node: INode; itemIndex: number },
): Promise<MemberCounts & { userIds: string }> {
	const counts = emptyCounts();
	const pieces: string[] = [];
	const pieceIds: string[] = [];
	for await (const { columns, fields } of memberRows) {
		for (let row = 0; row < fields.length; row += columns.width) {
			counts.memberCount++;
			const userId = fields[row + columns.userId];
			if (userId === '') {
				counts.anonymousCount++;
				continue;
			}
			if (userId.includes('\n')) {
				throw new NodeOperationError(where.node, `The user ID of member ${counts.memberCount} holds a line break: it cannot go in a text with one ID per line`, {
					itemIndex: where.itemIndex,
					description: 'Set "User IDs As" to "List", or Output Format to "CSV File".',
				});
			}
			pieceIds.push(userId);
		}
		// A new string: the group's fields (slices of the file's text) are not kept.
		if (pieceIds.length > 0) pieces.push(pieceIds.join('\n') + '\n');
		pieceIds.length = 0;
	}
	return { ...counts, userIds: pieces.join('') };
}

/** The compact item's user IDs in the form the node asks for. */
export async function collectCompactUserIds(
	memberRows: AsyncIterable<MemberRows>,
	form: UserIdsForm,
	where: { node: INode; itemIndex: number },
): Promise<MemberCounts & { userIds: string[] | string }> {
	return form === 'text' ? await collectUserIdText(memberRows, where) : await collectUserIds(memberRows);
}
