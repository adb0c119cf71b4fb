import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { audienceNodeBase } from './actions/audience';
import { router } from './actions/router';
import { audienceSearch } from './methods/listSearch';

/** One Batch app: its Custom Audience API (1.0 and 1.1). Everything else is shared with the other Batch node. */
export class Batch implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Batch',
		name: 'batch',
		icon: { light: 'file:batch.svg', dark: 'file:batch.dark.svg' },
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Sync member lists (e.g. Amplitude cohorts) into the custom audiences of one Batch app',
		defaults: { name: 'Batch' },
		usableAsTool: true,
		credentials: [{ name: 'batchApi', required: true }],
		...audienceNodeBase('customAudience'),
	};

	methods = { listSearch: { searchAudiences: audienceSearch('customAudience') } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this, 'customAudience');
	}
}
