/** A workflow with n8n's AI Agent and our nodes as its tools, for the editor check (created through n8n's REST API). */
import { CREDENTIAL_IDS } from '../../scripts/n8n/sandbox-credentials';

const PACKAGE = 'n8n-nodes-amplitude-batch';

export const AGENT_NODE_TYPE = '@n8n/n8n-nodes-langchain.agent';

const tool = (name: string, node: 'amplitude' | 'batch' | 'batchProfile', x: number, parameters: Record<string, unknown>) => {
	const credential = { amplitude: 'amplitudeCohortsApi', batch: 'batchApi', batchProfile: 'batchProfileApi' }[node];
	return {
		id: `tool-${node}`,
		name,
		type: `${PACKAGE}.${node}Tool`,
		typeVersion: 1,
		position: [x, 260],
		parameters,
		credentials: { [credential]: { id: CREDENTIAL_IDS[credential as keyof typeof CREDENTIAL_IDS], name: credential } },
	};
};

export function agentWithOurTools() {
	const tools = [
		tool('Get cohort', 'amplitude', 160, {
			resource: 'cohort',
			operation: 'get',
			cohort: { __rl: true, mode: 'id', value: "={{ $fromAI('cohortId', 'ID of the cohort', 'string') }}" },
		}),
		tool('Delete app audience', 'batch', 400, {
			resource: 'audience',
			operation: 'delete',
			audience: { __rl: true, mode: 'name', value: 'beta_testers' },
		}),
		tool('Add to project audience', 'batchProfile', 640, {
			resource: 'audience',
			operation: 'upsert',
			audience: { __rl: true, mode: 'name', value: 'vip_customers' },
			identifier: "={{ $fromAI('userId', 'The user ID to add', 'string') }}",
		}),
	];
	return {
		name: 'Agent with Amplitude and Batch tools',
		nodes: [{ id: 'agent', name: 'AI Agent', type: AGENT_NODE_TYPE, typeVersion: 3.1, position: [400, 0], parameters: {} }, ...tools],
		connections: Object.fromEntries(tools.map((node) => [node.name, { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] }])),
		settings: {},
	};
}
