/**
 * The Batch nodes as AI agent tools: what the agent reads about each operation, and the switch without
 * which an agent may not remove members or delete an audience (refused before any call to Batch).
 */
import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { runsAsAgentTool, toolDescriptionProperties } from '../../../shared/agent/tool-mode';

const ALLOW_NAME = 'Allow Agents to Remove Members / Delete Audiences';

export const AUDIENCE_TOOL_DESCRIPTIONS = {
	upsert:
		'Writes member IDs into a Batch audience, creating the audience if it does not exist. Mode Add only adds; ' +
		'modes Remove, Replace and Sync Changes remove members and are refused unless the user allowed agents to ' +
		'remove members. Makes one API call per 10,000 IDs and returns a report: success, added, removed, unchanged, invalid.',
	get: 'Reads one Batch audience: its member count (nb_ids), indexing state and dates. Read-only, one API call.',
	getAll: 'Lists the Batch audiences: name, member count and dates of each. Read-only and cheap: use it to find an audience name.',
	delete:
		'Deletes a whole Batch audience and all its members; it cannot be undone. Refused unless the user turned on ' +
		`"${ALLOW_NAME}" on this tool.`,
	removeMembers:
		'Removes the given member IDs from a Batch audience. Refused unless the user turned on ' +
		`"${ALLOW_NAME}" on this tool.`,
};

const DESTRUCTIVE_OPERATIONS = ['delete', 'removeMembers', 'upsert'];

export const audienceToolProperties: INodeProperties[] = [
	...toolDescriptionProperties('audience', AUDIENCE_TOOL_DESCRIPTIONS),
	{
		displayName: ALLOW_NAME,
		name: 'allowAgentRemovals',
		type: 'boolean',
		default: false,
		// A fixed choice of the user: never an expression the agent could fill in.
		noDataExpression: true,
		description:
			'Whether an agent calling this tool may delete the audience or remove members (Remove Members, and Upsert in the modes Remove, Replace and Sync Changes). Off: such calls are refused before anything is sent to Batch.',
		displayOptions: { show: { '@tool': [true], resource: ['audience'], operation: DESTRUCTIVE_OPERATIONS } },
	},
];

/** Why this call would remove members or delete the audience, or undefined when it would not. */
function removalOf(ctx: IExecuteFunctions, operation: string, itemIndex: number): string | undefined {
	if (operation === 'delete') return 'delete an audience';
	if (operation !== 'upsert' && operation !== 'removeMembers') return undefined;
	const options = ctx.getNodeParameter('options', itemIndex, {}) as { dryRun?: boolean };
	if (options.dryRun === true) return undefined; // a dry run writes nothing
	if (operation === 'removeMembers') return 'remove members from an audience';
	const mode = String(ctx.getNodeParameter('mode', itemIndex, 'add'));
	return mode === 'add' ? undefined : `run Upsert in mode "${mode}", which removes members`;
}

/**
 * Throws, before any request, when an agent's call would remove members or delete an audience and the user
 * has not turned on the switch. Outside an agent's tool it does nothing.
 */
export function refuseUnallowedAgentRemovals(ctx: IExecuteFunctions, operation: string): void {
	if (!runsAsAgentTool(ctx)) return;
	if (ctx.getNodeParameter('allowAgentRemovals', 0, false) === true) return;
	const items = ctx.getInputData();
	for (let itemIndex = 0; itemIndex < Math.max(items.length, 1); itemIndex++) {
		const removal = removalOf(ctx, operation, itemIndex);
		if (!removal) continue;
		throw new NodeOperationError(ctx.getNode(), `Refused: this tool may not ${removal}. Nothing was changed in Batch.`, {
			itemIndex,
			description:
				`The user has not allowed agents to remove members or delete audiences with this tool. Do not retry; ask the user. ` +
				`To allow it, the user turns on "${ALLOW_NAME}" in the tool's settings.`,
		});
	}
}
