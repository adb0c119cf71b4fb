/** The benchmarked workflow: Amplitude Get cohort → Batch Profile Upsert, in one of the hand-over forms. */
import type { WorkflowJson } from '../../test/harness/workflow-runner';

/**
 * compact: the compact item with its user IDs as a list (User IDs As "List", node version 1's default);
 * compactText: as one text, one per line ("Text, One per Line", the default from version 1.1);
 * binary: the CSV File with its default columns (amplitude_id, user_id); binaryUserId: with CSV Columns
 * "User ID Only", as the big-cohort example sets it.
 */
export type Handover = 'items' | 'compact' | 'compactText' | 'binary' | 'binaryUserId';

export const HANDOVERS: readonly Handover[] = ['items', 'compact', 'compactText', 'binary', 'binaryUserId'];

/** Get cohort's output format for each hand-over, and what it adds to the node's parameters. */
export const GET_COHORT_OUTPUT: Record<
	Handover,
	{ outputFormat: 'items' | 'compact' | 'binary'; parameters: Record<string, string>; typeVersion: number }
> = {
	items: { outputFormat: 'items', parameters: {}, typeVersion: 1 },
	compact: { outputFormat: 'compact', parameters: { userIdsAs: 'list' }, typeVersion: 1 },
	// The text by default, as a node added in the editor today gets it.
	compactText: { outputFormat: 'compact', parameters: {}, typeVersion: 1.1 },
	binary: { outputFormat: 'binary', parameters: {}, typeVersion: 1 },
	binaryUserId: { outputFormat: 'binary', parameters: { csvColumns: 'userId' }, typeVersion: 1 },
};

export interface WorkflowSettings {
	handover: Handover;
	cohortId: string;
	audience: string;
	mode: 'replace' | 'syncChanges';
	concurrency: number;
	pollIntervalSeconds: number;
}

/** Where the Upsert reads its ids, for each form the Amplitude node hands them over in. */
const MEMBER_SOURCE: Record<Handover, Record<string, unknown>> = {
	items: { identifierSource: 'items', identifier: '={{ $json.user_id }}' },
	compact: { identifierSource: 'listField', listField: 'userIds' },
	compactText: { identifierSource: 'listField', listField: 'userIds' },
	binary: { identifierSource: 'binaryCsv', binaryPropertyName: 'data', csvColumn: 'user_id' },
	binaryUserId: { identifierSource: 'binaryCsv', binaryPropertyName: 'data', csvColumn: 'user_id' },
};

export function benchWorkflow(settings: WorkflowSettings): WorkflowJson {
	return {
		nodes: [
			{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: '2',
				name: 'Get cohort',
				type: 'n8n-nodes-amplitude-batch.amplitude',
				typeVersion: GET_COHORT_OUTPUT[settings.handover].typeVersion,
				position: [220, 0],
				parameters: {
					resource: 'cohort',
					operation: 'get',
					cohort: { __rl: true, mode: 'id', value: settings.cohortId },
					outputFormat: GET_COHORT_OUTPUT[settings.handover].outputFormat,
					...GET_COHORT_OUTPUT[settings.handover].parameters,
					userProperties: 'none',
					// Anonymous members carry no user id: leave them out, as the floor does (compact always does).
					options: { pollIntervalSeconds: settings.pollIntervalSeconds, skipAnonymous: true },
				},
				credentials: { amplitudeCohortsApi: { id: '1', name: 'sandbox' } },
			},
			{
				id: '3',
				name: 'Upsert audience',
				type: 'n8n-nodes-amplitude-batch.batchProfile',
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					resource: 'audience',
					operation: 'upsert',
					audience: { __rl: true, mode: 'name', value: settings.audience },
					mode: settings.mode,
					...MEMBER_SOURCE[settings.handover],
					options: { concurrency: settings.concurrency },
				},
				credentials: { batchProfileApi: { id: '2', name: 'sandbox' } },
			},
		],
		connections: {
			Start: { main: [[{ node: 'Get cohort', type: 'main', index: 0 }]] },
			'Get cohort': { main: [[{ node: 'Upsert audience', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}
