import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { executeSync } from '../../../shared/audience/run-sync';
import { batchBackend } from '../../transport/backend';

/** Batch-only field of Upsert: the description given to an audience it creates. */
export const description: INodeProperties[] = [
	{
		displayName: 'Audience Description',
		name: 'description',
		type: 'string',
		default: '',
		placeholder: 'e.g. Synced from the Amplitude cohort "Power users"',
		description: 'Description of the audience when Upsert creates it',
		displayOptions: { show: { resource: ['audience'], operation: ['upsert'] } },
	},
];

export async function execute(this: IExecuteFunctions) {
	return await executeSync(this, 'upsert', batchBackend);
}
