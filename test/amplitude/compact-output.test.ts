/** The compact output's collectors: the list (as before) and the text with one user ID per line. */
import { NodeOperationError, type INode } from 'n8n-workflow';

import { collectCompactUserIds } from '../../nodes/Amplitude/output/compact';
import { groupsOfThree } from './member-rows';

const where = { node: { name: 'Get cohort' } as INode, itemIndex: 3 };

describe('collectCompactUserIds', () => {
	it('keeps the IDs as a list, or joins them into one text with each ID ended by a line break', async () => {
		const ids = ['a', '', 'b', 'c', '', '', 'd'];
		expect(await collectCompactUserIds(groupsOfThree(ids), 'list', where)).toEqual({ memberCount: 7, anonymousCount: 3, userIds: ['a', 'b', 'c', 'd'] });
		expect(await collectCompactUserIds(groupsOfThree(ids), 'text', where)).toEqual({ memberCount: 7, anonymousCount: 3, userIds: 'a\nb\nc\nd\n' });
		// A batch with only anonymous members adds nothing, not an empty line.
		expect((await collectCompactUserIds(groupsOfThree(['', '', '', 'x']), 'text', where)).userIds).toBe('x\n');
	});

	it('fails the item, naming the member, when a user ID holds a line break (it would read as two IDs)', async () => {
		const collecting = collectCompactUserIds(groupsOfThree(['a', 'b', 'c', 'two\nlines']), 'text', where);
		await expect(collecting).rejects.toThrow(NodeOperationError);
		await expect(collectCompactUserIds(groupsOfThree(['a', 'b', 'c', 'two\nlines']), 'text', where)).rejects.toMatchObject({
			message: 'The user ID of member 4 holds a line break: it cannot go in a text with one ID per line',
			description: 'Set "User IDs As" to "List", or Output Format to "CSV File".',
			context: { itemIndex: 3 },
		});
		// The list form keeps such an ID as it is.
		expect((await collectCompactUserIds(groupsOfThree(['two\nlines']), 'list', where)).userIds).toEqual(['two\nlines']);
	});
});
