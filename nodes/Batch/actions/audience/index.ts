/** The Audience resource, the same for both nodes: its operations, its form for one API, and what both node descriptions share. */
import { NodeConnectionTypes, type INodeProperties, type INodeTypeDescription } from 'n8n-workflow';

import { audienceToolProperties } from './agent-tool';
import { audienceLocator } from './audience-name';
import type { BatchApiName } from './connect';
import * as del from './delete.operation';
import {
	identifierTypeProperty,
	memberSourceProperties,
	operationProperty,
	resourceProperty,
	simpleOptionsProperty,
	syncOptionsProperty,
} from './fields';
import * as get from './get.operation';
import * as getAll from './getAll.operation';
import * as removeMembers from './removeMembers.operation';
import * as upsert from './upsert.operation';

export const operations = { upsert, get, getAll, delete: del, removeMembers };

const PICKER_HELP: Record<BatchApiName, string> = {
	customAudience: 'The audience of the app: picked from the list or typed by name (created by Upsert if missing)',
	profileAudiences: 'The project audience: picked from the list or typed by name (created by Upsert if missing)',
};

function audienceProperties(api: BatchApiName): INodeProperties[] {
	return [
		operationProperty,
		...(api === 'customAudience' ? [identifierTypeProperty] : []),
		{
			...audienceLocator('searchAudiences', PICKER_HELP[api]),
			displayOptions: { show: { resource: ['audience'], operation: ['upsert', 'get', 'delete', 'removeMembers'] } },
		},
		upsert.modeProperty,
		...memberSourceProperties(api),
		upsert.newAudienceProperty(api),
		...getAll.description,
		syncOptionsProperty(),
		simpleOptionsProperty(['get', 'getAll', 'delete']),
	];
}

/** The parts of the two Batch node descriptions that do not depend on the node (n8n's linter wants the rest literal). */
export function audienceNodeBase(api: BatchApiName): Omit<INodeTypeDescription, 'displayName' | 'name' | 'description' | 'defaults' | 'subtitle' | 'usableAsTool'> {
	return {
		group: ['output'],
		version: 1,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// The tool fields first: shown only when the node is an AI agent's tool.
		properties: [...audienceToolProperties, resourceProperty, ...audienceProperties(api)],
	};
}
