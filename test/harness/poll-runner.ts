/**
 * Runs one poll of a polling trigger as n8n does for an active workflow: n8n-core's PollContext
 * (mode "trigger", activation "activate") handed to TriggersAndPollers.runPollFunction, with the
 * workflow's static data carried in and handed back as n8n would save it.
 */
// First: it points N8N_USER_FOLDER at a temporary folder before n8n-core loads.
import { NodeTypeRegistry, TestCredentialsHelper, type WorkflowJson } from './workflow-runner';

import { PollContext, TriggersAndPollers } from 'n8n-core';
import {
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INodeExecutionData,
	type IWorkflowExecuteAdditionalData,
	type WorkflowActivateMode,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { coreStandIns } from './core-nodes';
import { packageCredentialTypes } from './package-types';

export interface PollOptions {
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** Static data n8n saved after the previous poll. */
	staticData?: IDataObject;
	/** The trigger node's name (default: the first node with a poll function). */
	nodeName?: string;
	mode?: WorkflowExecuteMode;
	activation?: WorkflowActivateMode;
}

export interface PollResult {
	/** What the poll emitted (null: nothing, no execution starts). */
	emitted: INodeExecutionData[][] | null;
	staticData: IDataObject;
}

export async function runPoll(workflowJson: WorkflowJson, options: PollOptions): Promise<PollResult> {
	const nodeTypes = new NodeTypeRegistry(coreStandIns());
	const workflow = new Workflow({
		id: workflowJson.id ?? 'test-workflow',
		name: workflowJson.name ?? 'test workflow',
		nodes: structuredClone(workflowJson.nodes),
		connections: workflowJson.connections,
		nodeTypes,
		staticData: structuredClone(options.staticData ?? {}),
		settings: workflowJson.settings ?? {},
		active: true,
	});
	const node = options.nodeName
		? workflow.getNode(options.nodeName)
		: Object.values(workflow.nodes).find((candidate) => nodeTypes.getByNameAndVersion(candidate.type, candidate.typeVersion).poll);
	if (!node) throw new Error('The test workflow has no polling trigger');
	const additionalData = {
		credentialsHelper: new TestCredentialsHelper(packageCredentialTypes(), options.credentials),
		executionId: undefined,
		instanceBaseUrl: 'http://localhost:5678/',
		restApiUrl: 'http://localhost:5678/rest',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		variables: {},
	} as unknown as IWorkflowExecuteAdditionalData;
	const context = new PollContext(workflow, node, additionalData, options.mode ?? 'trigger', options.activation ?? 'activate');
	const emitted = await new TriggersAndPollers().runPollFunction(workflow, node, context);
	return { emitted, staticData: JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject };
}
