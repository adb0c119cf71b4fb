/** The Cohort resource: its operations and their parameters. */
import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as getAll from './getAll.operation';

export { get, getAll };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['cohort'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				description: "Export a cohort's members",
				action: 'Get a cohort',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the cohorts of the project',
				action: 'Get many cohorts',
			},
		],
		default: 'get',
	},
	...get.description,
	...getAll.description,
];
