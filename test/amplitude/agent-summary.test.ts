/** The summary Get cohort gives an agent: full counts, only the first IDs, and a note that says what is left out. */
import { agentSummaryJson, collectAgentSummary } from '../../nodes/Amplitude/output/agent-summary';
import { groupsOfThree } from './member-rows';

describe('collectAgentSummary', () => {
	it('counts every member but keeps only the first user IDs, skipping anonymous members', async () => {
		const summary = await collectAgentSummary(groupsOfThree(['a', '', 'b', 'c', '', 'd', 'e']), 3);
		expect(summary).toEqual({ memberCount: 7, anonymousCount: 2, userIds: ['a', 'b', 'c'] });
	});

	it('a limit of 0 gives the counts alone', async () => {
		expect(await collectAgentSummary(groupsOfThree(['a', 'b']), 0)).toEqual({ memberCount: 2, anonymousCount: 0, userIds: [] });
	});
});

describe('agentSummaryJson', () => {
	const summary = { cohortId: 'c1', cohortName: 'Trial', requestId: 'req-1' };

	it('says how many IDs were left out, that an export was spent, and when the cap applied', () => {
		const json = agentSummaryJson(summary, { memberCount: 10, anonymousCount: 2, userIds: ['a', 'b'] }, { limit: 2, capped: true }, { thisMonth: 3, resumed: false });
		expect(json).toMatchObject({ memberCount: 10, anonymousCount: 2, userIdsReturned: 2, userIdsLeftOut: 6, exportsThisMonth: 3, requestId: 'req-1' });
		expect(json.note).toBe(
			'The cohort has 10 members, 2 of them anonymous (no user ID). Only the first 2 user IDs are listed; 6 more were left out. ' +
				"At most 1000 user IDs are returned to an agent. This call spent one of the project's 500 monthly cohort exports (request ID req-1).",
		);
	});

	it('a resumed export spent no new export, and a complete list says so', () => {
		const json = agentSummaryJson(summary, { memberCount: 1, anonymousCount: 0, userIds: ['a'] }, { limit: 100, capped: false }, { thisMonth: 3, resumed: true });
		expect(json.note).toBe('The cohort has 1 members, 0 of them anonymous (no user ID). Every user ID is listed. It downloaded the earlier export req-1: no new export was spent.');
	});
});
