import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { executeSync } from '../../../shared/audience/run-sync';
import { batchProfileBackend } from '../../transport/backend';

/**
 * Batch Profile-only field of Upsert: the display name of an audience it creates. Its type is always
 * Customer User IDs (`custom_ids`, the only one the Audiences API documents), so there is nothing to pick:
 * 0.1.0's single-option "Audience Type" dropdown is gone, and its value in saved workflows is not read.
 */
export const description: INodeProperties[] = [
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
