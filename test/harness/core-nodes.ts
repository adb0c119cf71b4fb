/**
 * Stand-ins for n8n's trigger nodes, so example workflows start in the engine without n8n-nodes-base.
 * They only start the run with the items the test gives; what they would do in n8n (a schedule, a click)
 * is n8n's job, and the end-to-end test against a real n8n runs the real ones.
 */
import type { IExecuteFunctions, INodeType, INodeTypeDescription } from 'n8n-workflow';

function startNode(name: string, displayName: string): INodeType {
	const description: INodeTypeDescription = {
		displayName,
		name,
		group: ['trigger'],
		version: [1, 1.1, 1.2, 1.3],
		description: 'Test stand-in: starts the run with the items the test gives',
		defaults: { name: displayName },
		inputs: [],
		outputs: ['main'],
		properties: [],
	};
	return {
		description,
		async execute(this: IExecuteFunctions) {
			return [this.getInputData()];
		},
	};
}

export function coreStandIns(): Record<string, INodeType> {
	return {
		'n8n-nodes-base.manualTrigger': startNode('manualTrigger', 'Manual Trigger'),
		'n8n-nodes-base.scheduleTrigger': startNode('scheduleTrigger', 'Schedule Trigger'),
	};
}
