/** The Audience resource of the Batch node: shared operations, plus the identifier type that picks the API version. */
import type { INodeProperties } from 'n8n-workflow';

import { audienceLocator } from '../../../shared/audience/audience-name';
import { getAllProperties, operationProperty } from '../../../shared/audience/operation-properties';
import {
	memberSourceProperties,
	modeProperty,
	simpleOptionsProperty,
	syncOptionsProperty,
} from '../../../shared/audience/sync-properties';
import * as del from './delete.operation';
import * as get from './get.operation';
import * as getAll from './getAll.operation';
import * as removeMembers from './removeMembers.operation';
import * as upsert from './upsert.operation';

export { del as delete, get, getAll, removeMembers, upsert };

const identifierType: INodeProperties = {
	displayName: 'Identifier Type',
	name: 'identifierType',
	type: 'options',
	default: 'customUserId',
	description: 'What the member IDs are; it decides the audience type and the API version',
	displayOptions: { show: { resource: ['audience'] } },
	options: [
		{
			name: 'Advertising ID',
			value: 'advertisingId',
			description: 'GAID / IDFA (advertising_ids audience, Custom Audience API 1.0)',
		},
		{
			name: 'Custom User ID',
			value: 'customUserId',
			description: 'The ID your app sets with Batch (custom_ids audience, Custom Audience API 1.0)',
		},
		{
			name: 'Installation ID',
			value: 'installationId',
			description: 'Batch installation IDs (install_ids audience, Custom Audience API 1.1: attributes and tags accepted)',
		},
	],
};

export const descriptions: INodeProperties[] = [
	operationProperty,
	identifierType,
	{
		...audienceLocator('searchAudiences', 'The audience of the app: picked from the list or typed by name (created by Upsert if missing)'),
		displayOptions: { show: { resource: ['audience'], operation: ['upsert', 'get', 'delete', 'removeMembers'] } },
	},
	modeProperty(),
	...memberSourceProperties({
		attributes: { identifierType: ['installationId'] },
		tags: { identifierType: ['installationId'] },
	}),
	...upsert.description,
	...getAllProperties,
	syncOptionsProperty(),
	simpleOptionsProperty(['get', 'getAll', 'delete']),
];
