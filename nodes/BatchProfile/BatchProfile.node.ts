import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { audienceToolProperties } from '../shared/audience/agent-tool';
import { resourceProperty } from '../shared/audience/operation-properties';
import { descriptions } from './actions/audience';
import { router } from './actions/router';
import { searchAudiences } from './methods/listSearch';

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
		properties: [...audienceToolProperties, resourceProperty, ...descriptions],
	};

	methods = { listSearch: { searchAudiences } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
