/** One switch, for both nodes, from resource and operation to the operation's execute. */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { refuseUnallowedAgentRemovals } from './audience/agent-tool';
import type { BatchApiName } from './audience/connect';
import { operations } from './audience';

type Operation = keyof typeof operations;

export async function router(this: IExecuteFunctions, api: BatchApiName): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as Operation;
	if (resource !== 'audience' || !(operation in operations)) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}
	refuseUnallowedAgentRemovals(this, operation);
	return await operations[operation].execute.call(this, api);
}
