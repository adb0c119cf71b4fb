/**
 * Workflows as users build them for production runs: a trigger (Schedule every N seconds, or Manual for a
 * test run of the same nodes) → Amplitude Get cohort → Batch Profile Upsert audience, in one of the three
 * hand-overs between the two nodes (one item per member, one item with all ids, a CSV file).
 */
import type { IConnections, INode } from 'n8n-workflow';

import type { ExampleWorkflow } from './examples';
import { CREDENTIAL_IDS } from './sandbox-credentials';

export type CohortOutput = 'items' | 'compact' | 'binary';

export interface SyncWorkflowOptions {
	id: string;
	name?: string;
	cohortId: string;
	audience: string;
	output: CohortOutput;
	/** A Schedule Trigger firing every this many seconds; undefined: a Manual Trigger. */
	everySeconds?: number;
	mode?: 'syncChanges' | 'replace' | 'add';
	/** Get cohort's poll interval (the sandbox's exports finish in about a second). */
	pollIntervalSeconds?: number;
}

const TRIGGER = 'Trigger';

export function syncWorkflow(options: SyncWorkflowOptions): ExampleWorkflow {
	const trigger: INode =
		options.everySeconds === undefined
			? { id: `${options.id}-t`, name: TRIGGER, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} }
			: {
					id: `${options.id}-t`,
					name: TRIGGER,
					type: 'n8n-nodes-base.scheduleTrigger',
					typeVersion: 1.2,
					position: [0, 0],
					parameters: { rule: { interval: [{ field: 'seconds', secondsInterval: options.everySeconds }] } },
				};
	const getCohort: INode = {
		id: `${options.id}-a`,
		name: 'Get cohort',
		type: 'n8n-nodes-amplitude-batch.amplitude',
		typeVersion: 1,
		position: [260, 0],
		parameters: {
			resource: 'cohort',
			operation: 'get',
			cohort: { __rl: true, mode: 'id', value: options.cohortId },
			outputFormat: options.output,
			...(options.output === 'binary' ? { binaryPropertyName: 'data' } : {}),
			options: { skipAnonymous: true, pollIntervalSeconds: options.pollIntervalSeconds ?? 0.5 },
		},
		credentials: { amplitudeCohortsApi: { id: CREDENTIAL_IDS.amplitudeCohortsApi, name: 'Amplitude sandbox' } },
	};
	const identifiers =
		options.output === 'items'
			? { identifierSource: 'items', identifier: '={{ $json.user_id }}' }
			: options.output === 'compact'
				? { identifierSource: 'listField', listField: 'userIds' }
				: { identifierSource: 'binaryCsv', binaryPropertyName: 'data', csvColumn: 'user_id' };
	const upsert: INode = {
		id: `${options.id}-b`,
		name: 'Upsert audience',
		type: 'n8n-nodes-amplitude-batch.batchProfile',
		typeVersion: 1,
		position: [520, 0],
		parameters: {
			resource: 'audience',
			operation: 'upsert',
			audience: { __rl: true, mode: 'name', value: options.audience },
			mode: options.mode ?? 'syncChanges',
			...identifiers,
		},
		credentials: { batchProfileApi: { id: CREDENTIAL_IDS.batchProfileApi, name: 'Batch sandbox project' } },
	};
	const connections: IConnections = {
		[TRIGGER]: { main: [[{ node: 'Get cohort', type: 'main', index: 0 }]] },
		'Get cohort': { main: [[{ node: 'Upsert audience', type: 'main', index: 0 }]] },
	};
	return {
		id: options.id,
		name: options.name ?? `${options.id}: cohort ${options.cohortId} → ${options.audience} (${options.output})`,
		active: false,
		nodes: [trigger, getCohort, upsert],
		connections,
		settings: { executionOrder: 'v1' },
		pinData: {},
	} as unknown as ExampleWorkflow;
}

export interface SubWorkflowSyncOptions extends Omit<SyncWorkflowOptions, 'everySeconds'> {
	/** The sub-workflow's id (options.id is the scheduled parent's). */
	subWorkflowId: string;
	everySeconds: number;
}

/**
 * The shape for n8n 2.x in queue mode: a scheduled parent whose Execute Workflow node calls a published
 * sub-workflow (Execute Workflow Trigger → Get cohort → Upsert audience). n8n loads a sub-workflow from its
 * database, static data included, and saves it after the run, whereas a worker runs a scheduled workflow
 * from a snapshot without static data. Returns [parent, sub-workflow].
 */
export function subWorkflowSync(options: SubWorkflowSyncOptions): [ExampleWorkflow, ExampleWorkflow] {
	const { subWorkflowId, everySeconds, ...rest } = options;
	const sub = syncWorkflow({ ...rest, id: subWorkflowId, name: `${subWorkflowId}: cohort ${options.cohortId} → ${options.audience} (sub-workflow)` });
	// The same nodes, started by the parent instead of a Manual Trigger (same name: connections unchanged).
	sub.nodes = sub.nodes.map((node) =>
		node.name === TRIGGER
			? { ...node, type: 'n8n-nodes-base.executeWorkflowTrigger', typeVersion: 1.1, parameters: { inputSource: 'passthrough' } }
			: node,
	);
	const parent = syncWorkflow({ ...rest, everySeconds, name: options.name ?? `${options.id}: every ${everySeconds} s → sub-workflow ${subWorkflowId}` });
	const call: INode = {
		id: `${options.id}-x`,
		name: 'Run sync',
		type: 'n8n-nodes-base.executeWorkflow',
		typeVersion: 1.2,
		position: [260, 0],
		parameters: {
			source: 'database',
			workflowId: { __rl: true, mode: 'id', value: subWorkflowId },
			workflowInputs: { mappingMode: 'defineBelow', value: {}, matchingColumns: [], schema: [], attemptToConvertTypes: false, convertFieldsToString: true },
			mode: 'once',
			options: { waitForSubWorkflow: true },
		},
	};
	parent.nodes = [parent.nodes.find((node) => node.name === TRIGGER)!, call];
	parent.connections = { [TRIGGER]: { main: [[{ node: 'Run sync', type: 'main', index: 0 }]] } };
	return [parent, sub];
}
