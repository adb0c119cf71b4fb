/**
 * Our nodes as an AI agent's tools, by n8n's own code: the `<node>Tool` types come from the NodeTypes class
 * of the installed real n8n (the one that builds them in a running n8n: convertNodeToAiTool on a clone of
 * the node type), and a minimal agent node asks n8n-core for its tools with getInputConnectionData, the
 * call the AI Agent makes. n8n-core then wraps each tool node with createNodeAsTool ($fromAI schema, tool
 * description) and runs the node's execute on a call, exactly as under the AI Agent.
 */
import path from 'node:path';

import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IVersionedNodeType,
} from 'n8n-workflow';

import { ensureN8nInstalled } from '../../scripts/n8n/runtime';
import { packageNodeTypes } from './package-types';

interface N8nNodeTypes {
	getByNameAndVersion(name: string, version?: number): INodeType;
}

/** n8n's NodeTypes over a loader that knows only our package's nodes (as n8n's loader would list them). */
export function n8nToolTypes(): { n8nVersion: string; toolType(name: string): INodeType } {
	const runtime = ensureN8nInstalled();
	const n8nDist = path.join(runtime.prefix, 'node_modules/n8n/dist');
	const { NodeTypes } = require(path.join(n8nDist, 'node-types.js')) as {
		NodeTypes: new (logger: unknown, loader: unknown) => N8nNodeTypes;
	};
	const ours: Record<string, INodeType | IVersionedNodeType> = packageNodeTypes();
	const loader = {
		loadedNodes: {} as Record<string, unknown>,
		knownNodes: {},
		recognizesNode: (name: string) => name in ours,
		getNode: (name: string) => {
			const type = ours[name];
			if (!type) throw new Error(`n8n asked for an unknown node type ${name}`);
			return { type, sourcePath: '' };
		},
	};
	if (runtime.n8nMajor === 1) {
		// n8n 1.x keeps the conversion on its loader class: lend its method to ours.
		const { LoadNodesAndCredentials } = require(path.join(n8nDist, 'load-nodes-and-credentials.js')) as {
			LoadNodesAndCredentials: { prototype: { convertNodeToAiTool: unknown } };
		};
		Object.assign(loader, { convertNodeToAiTool: LoadNodesAndCredentials.prototype.convertNodeToAiTool });
	}
	const logger = { warn() {}, debug() {}, info() {}, error() {} };
	// n8n 1.x's NodeTypes takes only the loader; 2.x takes a logger first.
	const nodeTypes = NodeTypes.length === 1 ? new NodeTypes(loader, undefined) : new NodeTypes(logger, loader);
	return { n8nVersion: runtime.n8nVersion, toolType: (name) => nodeTypes.getByNameAndVersion(name, 1) };
}

/** What the test agent reports about each tool it was given. */
export interface OfferedTool {
	name: string;
	description: string;
	/** The tool's arguments ($fromAI keys) with their descriptions. */
	arguments: Record<string, string | undefined>;
}

export interface ToolCallResult {
	tool: string;
	/** What the tool returned to the agent (JSON text), parsed. */
	response?: unknown;
	/** The error the agent would read instead. */
	error?: string;
}

interface AgentTool {
	name: string;
	description: string;
	schema: { shape: Record<string, { description?: string }> };
	invoke(args: IDataObject): Promise<string>;
}

/**
 * A test agent: its parameter `calls` (JSON) lists tool calls to make, in order. It outputs one item with
 * the tools offered and the result of each call.
 */
export const testAgentNodeType: INodeType = {
	description: {
		displayName: 'Test Agent',
		name: 'testAgent',
		group: ['transform'],
		version: 1,
		description: 'Calls its tools as the test says, as an AI Agent would',
		defaults: { name: 'Agent' },
		inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiTool, displayName: 'Tools' }],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Calls', name: 'calls', type: 'json', default: '[]' }],
	} as INodeTypeDescription,
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const connected = (await this.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) as AgentTool | AgentTool[];
		const tools = Array.isArray(connected) ? connected : [connected];
		const offered: OfferedTool[] = tools.map((tool) => ({
			name: tool.name,
			description: tool.description,
			arguments: Object.fromEntries(Object.entries(tool.schema.shape).map(([key, field]) => [key, field.description])),
		}));
		const calls = JSON.parse(this.getNodeParameter('calls', 0) as string) as Array<{ tool: string; args: IDataObject }>;
		const results: ToolCallResult[] = [];
		for (const call of calls) {
			const tool = tools.find((candidate) => candidate.name === call.tool);
			if (!tool) throw new Error(`The agent has no tool ${call.tool}`);
			try {
				results.push({ tool: call.tool, response: JSON.parse(await tool.invoke(call.args)) as unknown });
			} catch (error) {
				results.push({ tool: call.tool, error: (error as Error).message });
			}
		}
		return [[{ json: { offered, results } as unknown as IDataObject, pairedItem: { item: 0 } }]];
	},
};
