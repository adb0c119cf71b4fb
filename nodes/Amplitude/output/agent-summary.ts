/**
 * Get cohort run as an AI agent's tool: one small item instead of up to two million members, so an agent's
 * context never receives a whole cohort. The whole file is still read (to count), but only the first
 * user IDs are kept.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { MemberRows } from '../helpers/members';
import { collectUserIds } from './compact';
import type { MemberCounts } from './counts';

/** Most user IDs one tool call may return, whatever the node or the agent asks. */
export const AGENT_MEMBER_CAP = 1000;
export const AGENT_MEMBER_DEFAULT = 100;

export const agentSummaryProperties: INodeProperties[] = [
	{
		displayName: 'Maximum User IDs Returned',
		name: 'agentMemberLimit',
		type: 'number',
		default: AGENT_MEMBER_DEFAULT,
		typeOptions: { minValue: 0, maxValue: AGENT_MEMBER_CAP },
		description: `How many user IDs the tool returns with the counts, at most ${AGENT_MEMBER_CAP} even when the model defines it. The export is read to the end for the counts, but never handed whole to the agent.`,
		displayOptions: { show: { '@tool': [true] } },
	},
];

/** The limit for this item, clamped to the cap; a value that is no number is an error the agent can read. */
export function agentMemberLimit(ctx: IExecuteFunctions, itemIndex: number): { limit: number; capped: boolean } {
	const raw = ctx.getNodeParameter('agentMemberLimit', itemIndex, AGENT_MEMBER_DEFAULT) as unknown;
	const asked = raw === '' || raw === null || raw === undefined ? AGENT_MEMBER_DEFAULT : Number(raw);
	if (!Number.isFinite(asked) || asked < 0) {
		throw new NodeOperationError(ctx.getNode(), `"Maximum User IDs Returned" must be a number from 0 to ${AGENT_MEMBER_CAP}, not ${JSON.stringify(raw)}`, {
			itemIndex,
		});
	}
	const limit = Math.min(Math.floor(asked), AGENT_MEMBER_CAP);
	return { limit, capped: asked > AGENT_MEMBER_CAP };
}

export interface AgentSummary extends MemberCounts {
	userIds: string[];
}

/** Counts every member and keeps the first `limit` user IDs (anonymous members have none). */
export async function collectAgentSummary(memberRows: AsyncIterable<MemberRows>, limit: number): Promise<AgentSummary> {
	return await collectUserIds(memberRows, limit);
}

/** The item the agent receives: the counts first, then the IDs, and a sentence saying what is left out. */
export function agentSummaryJson(
	summary: IDataObject & { cohortName: string; requestId: string },
	collected: AgentSummary,
	asked: { limit: number; capped: boolean },
	exportInfo: { thisMonth: number; resumed: boolean },
): IDataObject {
	const withId = collected.memberCount - collected.anonymousCount;
	const left = withId - collected.userIds.length;
	const notes = [
		`The cohort has ${collected.memberCount} members, ${collected.anonymousCount} of them anonymous (no user ID).`,
		left > 0
			? `Only the first ${collected.userIds.length} user IDs are listed; ${left} more were left out.`
			: 'Every user ID is listed.',
		asked.capped ? `At most ${AGENT_MEMBER_CAP} user IDs are returned to an agent.` : '',
		exportInfo.resumed
			? `It downloaded the earlier export ${summary.requestId}: no new export was spent.`
			: `This call spent one of the project's 500 monthly cohort exports (request ID ${summary.requestId}).`,
	];
	return {
		...summary,
		memberCount: collected.memberCount,
		anonymousCount: collected.anonymousCount,
		userIdsReturned: collected.userIds.length,
		userIdsLeftOut: left,
		userIds: collected.userIds,
		exportsThisMonth: exportInfo.thisMonth,
		note: notes.filter((note) => note !== '').join(' '),
	};
}
