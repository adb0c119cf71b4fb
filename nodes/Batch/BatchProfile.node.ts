import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { audienceNodeBase } from './actions/audience';
import { router } from './actions/router';
import { audienceSearch } from './methods/listSearch';

/** One Batch omnichannel project: its Audiences API (2.x). Everything else is shared with the other Batch node. */
export class BatchProfile implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Batch Profile',
		name: 'batchProfile',
		icon: { light: 'file:batchProfile.svg', dark: 'file:batchProfile.dark.svg' },
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Sync member lists (e.g. Amplitude cohorts) into the audiences of a Batch omnichannel project',
		defaults: { name: 'Batch Profile' },
		usableAsTool: true,
		credentials: [{ name: 'batchProfileApi', required: true }],
		...audienceNodeBase('profileAudiences'),
	};

	methods = { listSearch: { searchAudiences: audienceSearch('profileAudiences') } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this, 'profileAudiences');
	}
}
