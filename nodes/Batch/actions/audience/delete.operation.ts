import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readAudienceName } from './audience-name';
import type { BatchApiName } from './connect';
import { forEachItem, retrying } from './each-item';

/** Delete: the whole audience. Its fields are the shared ones. */
export async function execute(this: IExecuteFunctions, api: BatchApiName): Promise<INodeExecutionData[][]> {
	return await forEachItem(this, api, async (audiences, itemIndex) => {
		const name = readAudienceName(this, itemIndex);
		return [await retrying(this, itemIndex, async () => await audiences.delete(name))];
	});
}
