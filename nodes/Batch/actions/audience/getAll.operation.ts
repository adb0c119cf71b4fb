import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { AudienceApi } from '../../sync/types';
import type { BatchApiName } from './connect';
import { forEachItem, retrying } from './each-item';
import { RESOURCE } from './fields';

export const description: INodeProperties[] = [
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

/** Get Many: the audiences, page after page, up to the limit. */
export async function execute(this: IExecuteFunctions, api: BatchApiName): Promise<INodeExecutionData[][]> {
	return await forEachItem(this, api, async (audiences, itemIndex) => {
		const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
		const limit = returnAll ? Infinity : (this.getNodeParameter('limit', itemIndex, 50) as number);
		return await listAudiences(audiences, limit, async (call) => await retrying(this, itemIndex, call));
	});
}

type Retrying = <T>(call: () => Promise<T>) => Promise<T>;

/** Up to `limit` audiences, in the API's order. */
async function listAudiences(api: AudienceApi, limit: number, retry: Retrying): Promise<IDataObject[]> {
	const audiences: IDataObject[] = [];
	let cursor: string | undefined;
	do {
		const pageSize = Math.min(api.maxPageSize, limit - audiences.length);
		const page = await retry(async () => await api.list(cursor, pageSize));
		for (const audience of page.audiences) {
			if (audiences.length >= limit) break;
			audiences.push(audience as IDataObject);
		}
		cursor = page.next;
	} while (cursor !== undefined && audiences.length < limit);
	return audiences;
}
