/**
 * Runs a workflow JSON through n8n's real execution engine (`WorkflowExecute` from n8n-core),
 * with our node and credential classes registered and credentials supplied by the test.
 * Modelled on n8n's own packages/core/nodes-testing/node-test-harness.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// n8n-core writes its settings under N8N_USER_FOLDER on first use: keep that out of the home folder.
process.env.N8N_USER_FOLDER ??= mkdtempSync(path.join(tmpdir(), 'n8n-test-user-'));

import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type IDataObject,
	type IHttpRequestOptions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IRunExecutionData,
	type IVersionedNodeType,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { coreStandIns } from './core-nodes';
import { packageCredentialTypes, packageNodeTypes } from './package-types';

export type WorkflowJson = Pick<IWorkflowBase, 'nodes' | 'connections'> &
	Partial<Pick<IWorkflowBase, 'settings' | 'staticData' | 'name' | 'id'>>;

export interface RunOptions {
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	mode?: WorkflowExecuteMode;
	/** Workflow static data carried between runs (what n8n persists for production executions). */
	staticData?: IDataObject;
	/** Items given to the start node. */
	triggerItems?: INodeExecutionData[];
	/** More node types, by full type name (tests of the harness itself). */
	extraNodeTypes?: Record<string, INodeType>;
	extraCredentialTypes?: Record<string, ICredentialType>;
	/** Messages the nodes sent to the editor with sendMessageToUI. */
	onUiMessage?: (nodeName: string, message: unknown[]) => void;
	/** Called once the run has started, with what stopping it in the editor does (cancels the execution). */
	onStarted?: (cancel: () => void) => void;
}

export interface NodeRun {
	items: INodeExecutionData[][];
	error?: Error & { description?: string; httpCode?: string; context?: IDataObject };
}

export interface WorkflowRunResult {
	status: IRun['status'];
	/** Output of each node's last run, by node name: one array per output. */
	nodes: Record<string, NodeRun>;
	/** The error that stopped the workflow, if any. */
	error?: NodeRun['error'];
	staticData: IDataObject;
	uiMessages: Array<{ nodeName: string; message: unknown[] }>;
	/** Reads of each credential type from n8n's store (see TestCredentialsHelper.reads). */
	credentialReads: Record<string, number>;
	run: IRun;
}

export class NodeTypeRegistry implements INodeTypes {
	private readonly byName = new Map<string, INodeType | IVersionedNodeType>();

	private packageLoaded = false;

	constructor(types: Record<string, INodeType | IVersionedNodeType>) {
		for (const [name, type] of Object.entries(types)) this.byName.set(name, type);
	}

	getByName(nodeType: string) {
		if (!this.byName.has(nodeType) && !this.packageLoaded) {
			// Loaded on first use, so a test of one node does not need the others to compile.
			this.packageLoaded = true;
			for (const [name, type] of Object.entries(packageNodeTypes())) this.byName.set(name, type);
		}
		const type = this.byName.get(nodeType);
		if (!type) throw new Error(`Unknown node type "${nodeType}" in the test workflow`);
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		const type = this.getByName(nodeType);
		if ('nodeVersions' in type) return type.getNodeType(version);
		return type;
	}

	getKnownTypes() {
		return {};
	}
}

export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly types: Record<string, ICredentialType>,
		private readonly data: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}

	getParentTypes() {
		return [];
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const type = this.types[typeName];
		if (!type) throw new Error(`Unknown credential type "${typeName}"`);
		const { authenticate } = type;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (authenticate?.type === 'generic') {
			return applyGenericAuth(authenticate.properties as unknown as IDataObject, credentials, requestOptions);
		}
		return requestOptions;
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	getCredentialsProperties() {
		return [];
	}

	/** How many times n8n read and decrypted each credential type (from its database, in a real n8n). */
	readonly reads: Record<string, number> = {};

	async getDecrypted(_additionalData: unknown, _nodeCredentials: unknown, type: string) {
		this.reads[type] = (this.reads[type] ?? 0) + 1;
		const data = this.data[type];
		if (!data) throw new Error(`The test gave no credentials of type "${type}"`);
		return withDefaults(this.types[type], data);
	}

	async getCredentials(): Promise<never> {
		throw new Error('getCredentials is not used by these nodes');
	}

	isCredentialUsableByNode() {
		return true;
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}
}

/** Fills in the defaults of credential fields the test left out, as n8n's editor would have saved them. */
function withDefaults(type: ICredentialType | undefined, data: ICredentialDataDecryptedObject) {
	const filled: ICredentialDataDecryptedObject = {};
	for (const property of type?.properties ?? []) filled[property.name] = property.default as never;
	return { ...filled, ...data };
}

/** Resolves `={{$credentials.x}}` templates of a generic credential, as n8n's CredentialsHelper does. */
function applyGenericAuth(
	properties: IDataObject,
	credentials: ICredentialDataDecryptedObject,
	options: IHttpRequestOptions,
): IHttpRequestOptions {
	const resolve = (value: unknown): unknown => {
		if (typeof value !== 'string' || !value.startsWith('=')) return value;
		return value
			.slice(1)
			.replace(/\{\{\s*(.+?)\s*\}\}/g, (_all, expression: string) =>
				String(new Function('$credentials', `return (${expression});`)(credentials)),
			);
	};
	const resolved = options;
	for (const [target, fields] of Object.entries(properties)) {
		const values = Object.fromEntries(
			Object.entries(fields as IDataObject).map(([key, value]) => [key, resolve(value)]),
		);
		if (target === 'auth') resolved.auth = values as never;
		else if (target === 'headers') resolved.headers = { ...resolved.headers, ...(values as IDataObject) };
		else if (target === 'qs') resolved.qs = { ...resolved.qs, ...(values as IDataObject) };
		else if (target === 'body') resolved.body = { ...(resolved.body as IDataObject), ...values };
	}
	return resolved;
}

export async function runWorkflow(workflowJson: WorkflowJson, options: RunOptions = {}): Promise<WorkflowRunResult> {
	const nodeTypes = new NodeTypeRegistry({ ...coreStandIns(), ...options.extraNodeTypes });
	const credentialTypes = { ...packageCredentialTypes(), ...options.extraCredentialTypes };
	const staticData = structuredClone(options.staticData ?? {});
	const mode = options.mode ?? 'manual';

	const workflow = new Workflow({
		id: workflowJson.id ?? 'test-workflow',
		name: workflowJson.name ?? 'test workflow',
		nodes: structuredClone(workflowJson.nodes),
		connections: workflowJson.connections,
		nodeTypes,
		staticData,
		settings: workflowJson.settings ?? {},
		active: mode !== 'manual',
	});

	const uiMessages: WorkflowRunResult['uiMessages'] = [];
	const hooks = new ExecutionLifecycleHooks(mode, 'test-execution', {
		id: workflow.id,
		name: workflow.name,
		nodes: workflowJson.nodes,
		connections: workflowJson.connections,
		active: false,
		createdAt: new Date(),
		updatedAt: new Date(),
		isArchived: false,
		activeVersionId: null,
	} as IWorkflowBase);
	let finished!: (run: IRun) => void;
	const done = new Promise<IRun>((resolve) => (finished = resolve));
	hooks.addHandler('workflowExecuteAfter', (run) => finished(run));

	const credentialsHelper = new TestCredentialsHelper(credentialTypes, options.credentials ?? {});
	const additionalData = {
		hooks,
		credentialsHelper,
		executionId: 'test-execution',
		instanceBaseUrl: 'http://localhost:5678/',
		restApiUrl: 'http://localhost:5678/rest',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		currentNodeParameters: undefined,
		executeWorkflow: async () => {
			throw new Error('Sub-workflows are not used in these tests');
		},
		getRunExecutionData: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('Code nodes are not used in these tests');
		},
		sendDataToUI: (type: string, data: unknown) => {
			if (type !== 'sendConsoleMessage') return;
			const { source, messages } = data as { source: string; messages: unknown[] };
			const nodeName = source.replace(/^\[Node: "(.*)"\]$/, '$1');
			uiMessages.push({ nodeName, message: messages });
			options.onUiMessage?.(nodeName, messages);
		},
		setExecutionStatus: () => {},
		userId: 'test-user',
		variables: {},
	} as unknown as IWorkflowExecuteAdditionalData;

	// n8n knows a Manual Trigger as a start node; a Schedule Trigger stand-in is found by its type.
	const standIns = Object.keys(coreStandIns());
	const startNode =
		workflow.getStartNode() ?? Object.values(workflow.nodes).find((node) => standIns.includes(node.type));
	if (!startNode) throw new Error('The test workflow has no start node');
	const runExecutionData: IRunExecutionData = {
		version: 1,
		startData: {},
		resultData: { runData: {} },
		executionData: {
			contextData: {},
			metadata: {},
			nodeExecutionStack: [
				{ node: startNode, data: { main: [options.triggerItems ?? [{ json: {} }]] }, source: null },
			],
			waitingExecution: {},
			waitingExecutionSource: null,
		},
	} as unknown as IRunExecutionData;

	const execution = new WorkflowExecute(additionalData, mode, runExecutionData);
	const running = execution.processRunExecutionData(workflow);
	options.onStarted?.(() => running.cancel());
	// After a cancel, n8n reports the run at once; this waits for the node itself to return too.
	await running;
	const run = await done;

	const nodes: WorkflowRunResult['nodes'] = {};
	for (const [name, runs] of Object.entries(run.data.resultData.runData)) {
		const last = runs[runs.length - 1];
		nodes[name] = {
			items: (last.data?.main ?? []).map((items) => items ?? []),
			error: last.error as NodeRun['error'],
		};
	}
	return {
		status: run.status,
		nodes,
		error: run.data.resultData.error as NodeRun['error'],
		// A plain copy of what n8n would persist (the live object is a change-tracking proxy).
		staticData: JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject,
		uiMessages,
		credentialReads: { ...credentialsHelper.reads },
		run,
	};
}
