/** One switch from resource and operation to the operation's execute. */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { refuseUnallowedAgentRemovals } from '../../shared/audience/agent-tool';
import * as audience from './audience';

type Operation = 'upsert' | 'get' | 'getAll' | 'delete' | 'removeMembers';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as Operation;
	if (resource !== 'audience' || !(operation in audience)) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}
	refuseUnallowedAgentRemovals(this, operation);
	return await audience[operation].execute.call(this);
}
