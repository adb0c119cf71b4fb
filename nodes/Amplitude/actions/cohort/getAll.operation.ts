/** Cohort → Get Many: the project's cohorts, filtered, simplified or raw. */
import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { runRetryPolicy } from '../../../shared/run-retry-settings';
import { filterCohorts, simplifyCohort, type CohortFilters } from '../../helpers/cohortFields';
import { readGetManyLimit } from '../../helpers/numeric-options';
import { listCohorts } from '../../transport/cohorts';

const properties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1 },
		displayOptions: { show: { returnAll: [false] } },
		description: 'Max number of results to return',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Include Archived',
				name: 'includeArchived',
				type: 'boolean',
				default: false,
				description: 'Whether to include archived cohorts',
			},
			{
				displayName: 'Name Contains',
				name: 'nameContains',
				type: 'string',
				default: '',
				description: 'Only cohorts whose name contains this text (not case-sensitive)',
			},
			{
				displayName: 'Only Finished',
				name: 'onlyFinished',
				type: 'boolean',
				default: false,
				description: 'Whether to return only cohorts whose computation has finished',
			},
			{
				displayName: 'Only Published',
				name: 'onlyPublished',
				type: 'boolean',
				default: false,
				description: 'Whether to return only published cohorts',
			},
		],
	},
	{
		displayName: 'Simplify',
		name: 'simplify',
		type: 'boolean',
		default: true,
		description:
			'Whether to return a simplified version of the response (ID, name, size, last computed, archived, owners) instead of the raw data',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['cohort'], operation: ['getAll'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number, output: INodeExecutionData[]): Promise<void> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? Infinity : readGetManyLimit(this, itemIndex);
	const filters = this.getNodeParameter('filters', itemIndex, {}) as CohortFilters;
	const simplify = this.getNodeParameter('simplify', itemIndex, true) as boolean;

	const cohorts = filterCohorts(
		await listCohorts(this, { itemIndex, retryPolicy: runRetryPolicy(this, {}, itemIndex) }),
		filters,
	).slice(0, limit);
	for (const cohort of cohorts) {
		output.push({ json: simplify ? simplifyCohort(cohort) : (cohort as IDataObject), pairedItem: { item: itemIndex } });
	}
}
