/**
 * Get cohort's compact item with User IDs As "Text, One per Line" → Batch Profile Upsert reading the list
 * field `userIds`, through n8n's engine against both sandboxes: the audience is exactly the cohort's
 * identified members, as with the list form. A text that does not end with a line break (any other text
 * field, pointed at by mistake) is still refused, so a wrong field never empties an audience.
 * Needs the Upsert to read such a text (read-members.ts, issue #13).
 */
import type { IDataObject } from 'n8n-workflow';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_PROJECT_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';
import { syncWorkflow } from '../../scripts/n8n/sync-workflow';
import { runWorkflow, type WorkflowRunResult } from '../harness/workflow-runner';

let amplitude: AmplitudeSandbox;
let batch: BatchSandbox;
let credentials: Record<string, IDataObject>;

beforeEach(async () => {
	amplitude = await startAmplitudeSandbox({ knobs: { exportDurationMs: 100 } });
	batch = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
	credentials = Object.fromEntries(sandboxCredentials(amplitude.url, batch.url).map((c) => [c.type, c.data]));
});
afterEach(() => Promise.all([amplitude.close(), batch.close()]));

async function sync(cohortId: string, audience: string, userIdsAs: 'list' | 'text', listField = 'userIds'): Promise<WorkflowRunResult> {
	const workflow = syncWorkflow({ id: 'text1', cohortId, audience, output: 'compact', mode: 'replace', pollIntervalSeconds: 0.05 });
	for (const node of workflow.nodes) {
		if (node.name === 'Get cohort') node.parameters = { ...node.parameters, userIdsAs };
		if (node.name === 'Upsert audience') node.parameters = { ...node.parameters, listField };
	}
	return await runWorkflow(workflow, { credentials: credentials as never });
}

async function identified(cohortId: string): Promise<string[]> {
	const ids: string[] = [];
	for await (const member of amplitude.members(cohortId)) if (member.user_id) ids.push(member.user_id);
	return ids.sort();
}

describe('Get cohort (compact, as text) → Upsert audience (A List Field)', () => {
	it('fills the audience with exactly the cohort, as the list form does', async () => {
		const asText = await sync('def456', 'from_text', 'text');
		expect({ status: asText.status, error: asText.error?.message }).toEqual({ status: 'success', error: undefined });
		expect(typeof asText.nodes['Get cohort'].items[0][0].json.userIds).toBe('string');
		const asList = await sync('def456', 'from_list', 'list');
		expect(asList.status).toBe('success');
		const expected = await identified('def456');
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'from_text')).toEqual(expected);
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'from_list')).toEqual(expected);
	});

	it('refuses a text field without a line break at its end, and leaves the audience as it was', async () => {
		await sync('abc123', 'kept', 'text');
		const before = batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'kept');
		expect(before).toEqual(await identified('abc123'));
		const wrongField = await sync('abc123', 'kept', 'text', 'cohortName');
		expect(wrongField.status).toBe('error');
		expect(wrongField.error?.message).toBe('Field "cohortName" of item 0 is not a list of IDs');
		expect(batch.projectAudienceIds(BATCH_SANDBOX_PROJECT_KEY, 'kept')).toEqual(before);
	});
});
