/**
 * Running as an AI agent's tool. n8n wraps every `usableAsTool` node as a second node type named
 * `<package>.<name>Tool`; the agent runs that type's `execute` with the tool call's arguments as input.
 * The `@tool` display option tests the same name, so fields can be shown to tool nodes only.
 */
import type { INode, INodeProperties } from 'n8n-workflow';

export function runsAsAgentTool(ctx: { getNode(): INode }): boolean {
	return ctx.getNode().type.endsWith('Tool');
}

/**
 * The tool's "Description" field, one per operation, each with its own default: what the agent reads to
 * choose the tool (cost, result, limits). n8n adds its generic field only when a node has none of its own.
 * Defaults follow the chosen operation in the editor; a text the user typed wins.
 */
export function toolDescriptionProperties(resource: string, texts: Record<string, string>): INodeProperties[] {
	return Object.entries(texts).map(([operation, text]) => ({
		displayName: 'Description',
		name: 'toolDescription',
		type: 'string',
		default: text,
		required: true,
		typeOptions: { rows: 4 },
		description:
			'What the agent reads to decide when to call this tool. The default says what the operation costs and returns.',
		displayOptions: { show: { '@tool': [true], resource: [resource], operation: [operation] } },
	}));
}
