import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { BatchApiName } from './connect';
import { executeSync } from './upsert.operation';

/** Remove Members: an Upsert in mode Remove, with the same member fields (./fields.ts) and no creation. */
export async function execute(this: IExecuteFunctions, api: BatchApiName): Promise<INodeExecutionData[][]> {
	return await executeSync(this, 'removeMembers', api);
}
