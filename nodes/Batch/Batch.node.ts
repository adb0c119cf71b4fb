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

export class Batch implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Batch',
		name: 'batch',
		icon: { light: 'file:batch.svg', dark: 'file:batch.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Sync member lists (e.g. Amplitude cohorts) into the custom audiences of one Batch app',
		defaults: { name: 'Batch' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'batchApi', required: true }],
		// The tool fields first: shown only when the node is an AI agent's tool.
		properties: [...audienceToolProperties, resourceProperty, ...audienceProperties('customAudience')],
	};

	methods = { listSearch: { searchAudiences: audienceSearch('customAudience') } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this, 'customAudience');
	}
}
