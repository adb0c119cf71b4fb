/** The Audience resource and its operations, the same in both nodes. */
import type { INodeProperties } from 'n8n-workflow';

const RESOURCE = { resource: ['audience'] };

export const resourceProperty: INodeProperties = {
	displayName: 'Resource',
	name: 'resource',
	type: 'options',
	noDataExpression: true,
	default: 'audience',
	options: [{ name: 'Audience', value: 'audience' }],
};

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'upsert',
	displayOptions: { show: RESOURCE },
	options: [
		{
			name: 'Create or Update',
			value: 'upsert',
			description: 'Create a new record, or update the current one if it already exists (upsert)',
			action: 'Upsert audience',
		},
		{ name: 'Delete', value: 'delete', description: 'Delete an audience', action: 'Delete an audience' },
		{ name: 'Get', value: 'get', description: 'Get an audience: size and indexing state', action: 'Get an audience' },
		{ name: 'Get Many', value: 'getAll', description: 'List audiences', action: 'Get many audiences' },
		{
			name: 'Remove Members',
			value: 'removeMembers',
			description: 'Remove the input IDs from an audience',
			action: 'Remove members from an audience',
		},
	],
};

export const getAllProperties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show: { ...RESOURCE, operation: ['getAll'] } },
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1 },
		description: 'Max number of results to return',
		displayOptions: { show: { ...RESOURCE, operation: ['getAll'], returnAll: [false] } },
	},
];
