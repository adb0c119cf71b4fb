import { NodeConnectionTypes, type IExecuteFunctions, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import * as cohort from './actions/cohort';
import { cohortToolDescriptions } from './actions/cohort/tool-descriptions';
import { router } from './actions/router';
import { searchCohorts } from './methods/listSearch';

export class Amplitude implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Amplitude',
		name: 'amplitude',
		icon: { light: 'file:amplitude.svg', dark: 'file:amplitude.dark.svg' },
		group: ['input'],
		// 1.1: the compact output's user IDs come as one text by default (see output/compact.ts).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Export Amplitude behavioral cohorts and their members',
		defaults: { name: 'Amplitude' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'amplitudeCohortsApi', required: true }],
		properties: [
			// Shown only when the node is an AI agent's tool.
			...cohortToolDescriptions,
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Cohort', value: 'cohort' }],
				default: 'cohort',
			},
			...cohort.description,
		],
	};

	methods = { listSearch: { searchCohorts } };

	async execute(this: IExecuteFunctions) {
		return await router.call(this);
	}
}
