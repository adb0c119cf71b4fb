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
		properties: [...audienceToolProperties, resourceProperty, ...descriptions],
	};

	methods = { listSearch: { searchAudiences } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
