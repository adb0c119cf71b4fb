import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { BatchApiName } from './connect';
import { RESOURCE } from './fields';
import { executeSync } from './run-sync';

/** Upsert's own fields: the mode, and what a created audience gets; members and options are shared (./fields.ts). */
export const modeProperty: INodeProperties = {
	displayName: 'Mode',
	name: 'mode',
	type: 'options',
	default: 'add',
	displayOptions: { show: { ...RESOURCE, operation: ['upsert'] } },
	options: [
		{
			name: 'Add (Merge)',
			value: 'add',
			description: 'Add the IDs to the audience and remove nobody',
		},
		{
			name: 'Remove',
			value: 'remove',
			description: 'Remove the IDs from the audience',
		},
		{
			name: 'Replace (Mirror)',
			value: 'replace',
			description:
				'The audience ends up holding exactly these IDs. Not atomic beyond 10,000 IDs: the first 10,000 replace the audience and the rest are added right after, so for a moment campaigns may see a partial audience.',
		},
		{
			name: 'Sync Changes',
			value: 'syncChanges',
			description:
				'Send only who entered and who left since the last run (the first run, or an audience changed elsewhere, falls back to Replace). The last run is remembered in the workflow static data, which n8n keeps only for production (active or trigger) executions.',
		},
	],
};

/** What Upsert gives an audience it creates: a description (an app's audience) or a display name (a project's). */
export function newAudienceProperty(api: BatchApiName): INodeProperties {
	const upsertOnly = { show: { ...RESOURCE, operation: ['upsert'] } };
	if (api === 'customAudience') {
		return {
			displayName: 'Audience Description',
			name: 'description',
			type: 'string',
			default: '',
			placeholder: 'e.g. Synced from the Amplitude cohort "Power users"',
			description: 'Description of the audience when Upsert creates it',
			displayOptions: upsertOnly,
		};
	}
	// A project audience's type is always Customer User IDs (the only one the Audiences API documents), so there
	// is nothing to pick: 0.1.0's single-option "Audience Type" dropdown is gone, its saved value unread.
	return {
		displayName: 'Display Name',
		name: 'displayName',
		type: 'string',
		default: '',
		placeholder: 'e.g. Amplitude power users',
		description: 'Name shown in the Batch dashboard when Upsert creates the audience (defaults to its name)',
		displayOptions: upsertOnly,
	};
}

/** Upsert: create the audience if missing, then add, replace, remove or send only the changes. */
export async function execute(this: IExecuteFunctions, api: BatchApiName): Promise<INodeExecutionData[][]> {
	return await executeSync(this, 'upsert', api);
}
