/**
 * Get cohort's compact output, through n8n's engine against the Amplitude sandbox: the user IDs as a list
 * (node version 1's default, unchanged for saved workflows) or, with User IDs As "Text, One per Line" (the
 * default from version 1.1), as one text with each ID on its own line (what n8n saves far more cheaply at
 * millions of IDs: issue #13).
 */
import type { IDataObject, INodeExecutionData, NodeExecutionHint } from 'n8n-workflow';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { DEFAULT_COHORTS } from '../../sandbox/amplitude/default-cohorts';
import { amplitudeWorkflow, byId, fastPolling, outputOf } from '../amplitude/amplitude-workflow-helpers';
import { runWorkflow, type WorkflowRunResult } from '../harness/workflow-runner';

let sb: AmplitudeSandbox;

beforeEach(async () => {
	sb = await startAmplitudeSandbox({
		cohorts: [
			...DEFAULT_COHORTS,
			{ id: 'anon01', name: 'Only anonymous visitors', size: 12, anonymousRatio: 1 },
			{ id: 'big500001', name: 'Just above the list hint', size: 500_001, anonymousRatio: 0 },
			{ id: 'big500000', name: 'At the list hint limit', size: 500_000, anonymousRatio: 0 },
		],
		knobs: { exportDurationMs: 100 },
	});
});
afterEach(async () => await sb.close());

async function runCompact(cohortId: string, extra: IDataObject = {}, typeVersion = 1): Promise<WorkflowRunResult> {
	const parameters = { cohort: byId(cohortId), outputFormat: 'compact', options: fastPolling, ...extra };
	return await runWorkflow(amplitudeWorkflow(parameters, { typeVersion }), {
		credentials: { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: `${sb.url}/` } },
	});
}

async function compactItem(cohortId: string, extra: IDataObject = {}, typeVersion = 1): Promise<INodeExecutionData> {
	const items = outputOf(await runCompact(cohortId, extra, typeVersion));
	expect(items).toHaveLength(1);
	return items[0];
}

async function identified(cohortId: string): Promise<{ members: number; userIds: string[] }> {
	let members = 0;
	const userIds: string[] = [];
	for await (const member of sb.members(cohortId)) {
		members++;
		if (member.user_id !== '') userIds.push(member.user_id);
	}
	return { members, userIds };
}

describe('compact output: User IDs As', () => {
	it('node version 1 (saved workflows): gives the user IDs as a list by default, as before', async () => {
		const item = await compactItem('def456');
		const { members, userIds } = await identified('def456');
		expect(item.json).toMatchObject({ cohortId: 'def456', memberCount: members, anonymousCount: members - userIds.length, userIds });
	});

	it('node version 1.1 (a node added now): gives them as one text by default, and as a list when asked', async () => {
		const { userIds } = await identified('def456');
		expect((await compactItem('def456', {}, 1.1)).json.userIds).toBe(userIds.map((id) => `${id}\n`).join(''));
		expect((await compactItem('def456', { userIdsAs: 'list' }, 1.1)).json.userIds).toEqual(userIds);
	});

	it('gives them as one text, each ID on its own line ended by a line break, with "Text, One per Line"', async () => {
		// 5,000 members downloaded from S3 in several pieces: the text joins every piece in the file's order.
		const item = await compactItem('def456', { userIdsAs: 'text' });
		const { members, userIds } = await identified('def456');
		expect(typeof item.json.userIds).toBe('string');
		expect(item.json.userIds).toBe(userIds.map((id) => `${id}\n`).join(''));
		// The same fields as the list form, in the same places.
		expect(Object.keys(item.json)).toEqual(Object.keys((await compactItem('def456')).json));
		expect(item.json).toMatchObject({ cohortId: 'def456', memberCount: members, anonymousCount: members - userIds.length });
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	it('leaves anonymous members out of the text, and gives an empty text when no member has a user ID', async () => {
		const half = await compactItem('jkl012', { userIdsAs: 'text' });
		const { userIds } = await identified('jkl012');
		expect(userIds.length).toBeGreaterThan(0);
		expect(half.json.userIds).toBe(userIds.map((id) => `${id}\n`).join(''));

		const none = await compactItem('anon01', { userIdsAs: 'text' });
		expect(none.json).toMatchObject({ memberCount: 12, anonymousCount: 12, userIds: '' });
	});
});

/** The hints about saving the list (a manual run also gets the export count's hint). */
function listHints(result: WorkflowRunResult): NodeExecutionHint[] {
	expect(result.status).toBe('success');
	const runs = result.run.data.resultData.runData.Amplitude;
	const hints = (runs[runs.length - 1] as { hints?: NodeExecutionHint[] }).hints ?? [];
	return hints.filter((hint) => /User IDs As/.test(hint.message));
}

describe('the execution hint on a big list of user IDs', () => {
	it('above 500,000 IDs in a list: says what saving them costs and points to the text form and the CSV File', async () => {
		const hints = listHints(await runCompact('big500001'));
		expect(hints).toEqual([
			{
				type: 'warning',
				location: 'outputPane',
				message:
					'500,001 user IDs in a list: to save a production execution, n8n handles each one on its own and needs about 125 MB ' +
					'more memory for them (~250 bytes an ID). Set User IDs As to "Text, One per Line" (Batch\'s Upsert reads both; a list ' +
					'is what Split Out and Code nodes expect), or Output Format to "CSV File".',
			},
		]);
	});

	it('no hint at 500,000 IDs, nor for the same IDs as text', async () => {
		expect(listHints(await runCompact('big500000'))).toEqual([]);
		expect(listHints(await runCompact('big500001', { userIdsAs: 'text' }))).toEqual([]);
	});
});
