import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { executeSync } from '../../../shared/audience/run-sync';
import { batchProfileBackend } from '../../transport/backend';

/** Batch Profile-only fields of Upsert: the type and display name of an audience it creates. */
export const description: INodeProperties[] = [
	{
		displayName: 'Audience Type',
		name: 'audienceType',
		type: 'options',
		default: 'custom_ids',
		description: 'Type of the member IDs. Only Customer User IDs are documented for the Audiences API.',
		displayOptions: { show: { resource: ['audience'], operation: ['upsert', 'removeMembers'] } },
		options: [{ name: 'Customer User ID', value: 'custom_ids', description: 'The custom user ID of each profile' }],
	},
	{
		displayName: 'Display Name',
		name: 'displayName',
		type: 'string',
		default: '',
		placeholder: 'e.g. Amplitude power users',
		description: 'Name shown in the Batch dashboard when Upsert creates the audience (defaults to its name)',
		displayOptions: { show: { resource: ['audience'], operation: ['upsert'] } },
	},
];

export async function execute(this: IExecuteFunctions) {
	return await executeSync(this, 'upsert', batchProfileBackend);
}
