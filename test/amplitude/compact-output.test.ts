/** The compact output's list form (the text form: user-id-text.test.ts). */
import { collectUserIds } from '../../nodes/Amplitude/output/compact';
import { groupsOfThree } from './member-rows';

describe('collectUserIds', () => {
	it('keeps the IDs as a list, anonymous members counted', async () => {
		const ids = ['a', '', 'b', 'c', '', '', 'd'];
		expect(await collectUserIds(groupsOfThree(ids))).toEqual({ memberCount: 7, anonymousCount: 3, userIds: ['a', 'b', 'c', 'd'] });
		// An ID with a line break is kept as it is.
		expect((await collectUserIds(groupsOfThree(['two\nlines']))).userIds).toEqual(['two\nlines']);
	});

	it('keeps the first `limit` IDs and counts every member', async () => {
		expect(await collectUserIds(groupsOfThree(['a', 'b', '', 'c', 'd']), 2)).toEqual({ memberCount: 5, anonymousCount: 1, userIds: ['a', 'b'] });
	});
});
