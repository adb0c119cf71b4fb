import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { audienceProperties } from './actions/audience';
import { audienceToolProperties } from './actions/audience/agent-tool';
import { resourceProperty } from './actions/audience/fields';
import { router } from './actions/router';
import { audienceSearch } from './methods/listSearch';

export class BatchProfile implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Batch Profile',
		name: 'batchProfile',
		icon: { light: 'file:batchProfile.svg', dark: 'file:batchProfile.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Sync member lists (e.g. Amplitude cohorts) into the audiences of a Batch omnichannel project',
		defaults: { name: 'Batch Profile' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'batchProfileApi', required: true }],
		// The tool fields first: shown only when the node is an AI agent's tool.
		properties: [...audienceToolProperties, resourceProperty, ...audienceProperties('profileAudiences')],
	};

	methods = { listSearch: { searchAudiences: audienceSearch('profileAudiences') } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this, 'profileAudiences');
	}
}
