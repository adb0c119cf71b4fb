/** A workflow that runs our Amplitude node through n8n's engine, and what tests read of its run. */
import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import type { WorkflowRunResult } from '../harness/workflow-runner';

export function amplitudeWorkflow(parameters: IDataObject, node: Partial<INode> = {}) {
	return {
		nodes: [
			{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} },
			{
				id: '2',
				name: 'Amplitude',
				type: 'n8n-nodes-amplitude-batch.amplitude',
				typeVersion: 1,
				position: [200, 0] as [number, number],
				parameters: { resource: 'cohort', operation: 'get', ...parameters },
				credentials: { amplitudeCohortsApi: { id: '1', name: 'Amplitude sandbox' } },
				...node,
			},
		],
		connections: { Start: { main: [[{ node: 'Amplitude', type: 'main' as const, index: 0 }]] } },
	};
}

export const byId = (cohortId: string) => ({ __rl: true, mode: 'id', value: cohortId });

/** Polls every 50 ms, so a test does not wait out the default 5 s. */
export const fastPolling = { pollIntervalSeconds: 0.05 };

/** The Amplitude node's items of a successful run (a failed run throws with its message). */
export function outputOf(result: WorkflowRunResult): INodeExecutionData[] {
	if (result.status !== 'success') throw new Error(`run failed: ${result.error?.message} ${result.error?.description ?? ''}`);
	return result.nodes.Amplitude.items[0];
}
