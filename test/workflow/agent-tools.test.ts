/**
 * Our nodes as AI agent tools, through n8n's own tool path: the `<node>Tool` types built by the installed
 * n8n's NodeTypes, and n8n-core's getInputConnectionData / createNodeAsTool under a test agent (see
 * test/harness/agent-tools.ts). Checks what the agent is offered (names, descriptions, arguments), that
 * Get cohort answers a summary within a cap, and that removals and deletions are refused unless allowed.
 */
import { NodeHelpers, type IDataObject, type INode, type INodeParameters, type INodeType } from 'n8n-workflow';

import { COHORT_TOOL_DESCRIPTIONS } from '../../nodes/Amplitude/actions/cohort/tool-descriptions';
import { AUDIENCE_TOOL_DESCRIPTIONS } from '../../nodes/Batch/actions/audience/agent-tool';
import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { n8nToolTypes, testAgentNodeType, type OfferedTool, type ToolCallResult } from '../harness/agent-tools';
import { runWorkflow, type WorkflowJson } from '../harness/workflow-runner';

const PACKAGE = 'n8n-nodes-amplitude-batch';
const ALLOW = 'Allow Agents to Remove Members / Delete Audiences';

interface ToolNode {
	name: string;
	node: 'amplitude' | 'batch' | 'batchProfile';
	parameters: INodeParameters;
}

const CREDENTIAL = { amplitude: 'amplitudeCohortsApi', batch: 'batchApi', batchProfile: 'batchProfileApi' };

function agentWorkflow(tools: ToolNode[], calls: Array<{ tool: string; args: IDataObject }>): WorkflowJson {
	const toolNodes: INode[] = tools.map((tool, i) => ({
		id: `t${i}`,
		name: tool.name,
		type: `${PACKAGE}.${tool.node}Tool`,
		typeVersion: 1,
		position: [200 * i, 300],
		parameters: tool.parameters,
		credentials: { [CREDENTIAL[tool.node]]: { id: '1', name: tool.node } },
	}));
	return {
		nodes: [
			{ id: 's', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{ id: 'a', name: 'Agent', type: 'test.testAgent', typeVersion: 1, position: [200, 0], parameters: { calls: JSON.stringify(calls) } },
			...toolNodes,
		],
		connections: {
			Start: { main: [[{ node: 'Agent', type: 'main', index: 0 }]] },
			...Object.fromEntries(tools.map((tool) => [tool.name, { ai_tool: [[{ node: 'Agent', type: 'ai_tool', index: 0 }]] }])),
		},
	};
}

let amplitude: AmplitudeSandbox;
let batch: BatchSandbox;
let toolTypes: Record<string, INodeType>;

beforeAll(async () => {
	const n8n = n8nToolTypes();
	toolTypes = Object.fromEntries(
		['amplitude', 'batch', 'batchProfile'].map((node) => [`${PACKAGE}.${node}Tool`, n8n.toolType(`${PACKAGE}.${node}Tool`)]),
	);
	amplitude = await startAmplitudeSandbox({ knobs: { exportDurationMs: 100 } });
	batch = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
}, 600_000);
afterAll(async () => {
	await amplitude?.close();
	await batch?.close();
});
beforeEach(() => batch.reset());

async function runAgent(tools: ToolNode[], calls: Array<{ tool: string; args: IDataObject }> = []) {
	const result = await runWorkflow(agentWorkflow(tools, calls), {
		extraNodeTypes: { 'test.testAgent': testAgentNodeType, ...toolTypes },
		credentials: {
			amplitudeCohortsApi: { apiKey: amplitude.apiKey, secretKey: amplitude.secretKey, region: 'custom', baseUrl: `${amplitude.url}/` },
			batchApi: { apiKey: batch.appKeys[0], restApiKey: batch.restApiKey, baseUrl: batch.url },
			batchProfileApi: { projectApiKey: batch.projectKeys[0], restApiKey: batch.restApiKey, baseUrl: batch.url },
		},
	});
	if (result.status !== 'success') throw new Error(`agent run failed: ${result.error?.message} ${result.error?.description ?? ''}`);
	return result.nodes.Agent.items[0][0].json as unknown as { offered: OfferedTool[]; results: ToolCallResult[] };
}

const fromAi = (key: string, description: string, type = 'string') => `={{ $fromAI('${key}', '${description}', '${type}') }}`;
const cohortFromAi = { __rl: true, mode: 'id', value: fromAi('cohortId', 'ID of the cohort, from the list of cohorts') };
const fastPolling = { pollIntervalSeconds: 0.05 };

const getCohortTool = (parameters: INodeParameters = {}): ToolNode => ({
	name: 'Get cohort',
	node: 'amplitude',
	parameters: { resource: 'cohort', operation: 'get', cohort: cohortFromAi, options: fastPolling, ...parameters },
});
const audienceTool = (name: string, node: 'batch' | 'batchProfile', operation: string, parameters: INodeParameters = {}): ToolNode => ({
	name,
	node,
	parameters: {
		resource: 'audience',
		operation,
		audience: { __rl: true, mode: 'name', value: 'vip' },
		identifier: fromAi('userId', 'The user ID'),
		...parameters,
	},
});

describe('what the agent is offered', () => {
	it('one tool per node, named after the node, described by what its operation costs and returns, with its $fromAI arguments', async () => {
		const { offered } = await runAgent([
			getCohortTool(),
			{ name: 'List cohorts', node: 'amplitude', parameters: { resource: 'cohort', operation: 'getAll' } },
			audienceTool('Add to audience', 'batch', 'upsert'),
			audienceTool('Delete audience', 'batch', 'delete'),
			audienceTool('Remove from audience', 'batchProfile', 'removeMembers'),
			audienceTool('Read audience', 'batchProfile', 'get'),
			audienceTool('List audiences', 'batch', 'getAll'),
		]);
		const byName = Object.fromEntries(offered.map((tool) => [tool.name, tool]));
		expect(Object.keys(byName).sort()).toEqual(
			['Add_to_audience', 'Delete_audience', 'Get_cohort', 'List_audiences', 'List_cohorts', 'Read_audience', 'Remove_from_audience'],
		);
		expect(byName.Get_cohort.description).toBe(COHORT_TOOL_DESCRIPTIONS.get);
		expect(byName.Get_cohort.description).toMatch(/500 monthly/);
		expect(byName.Get_cohort.description).toMatch(/2 million/);
		expect(byName.Get_cohort.arguments).toEqual({ cohortId: 'ID of the cohort, from the list of cohorts' });
		expect(byName.List_cohorts.description).toBe(COHORT_TOOL_DESCRIPTIONS.getAll);
		expect(byName.List_cohorts.description).toMatch(/Free/);
		expect(byName.List_cohorts.arguments).toEqual({});
		expect(byName.Add_to_audience.description).toBe(AUDIENCE_TOOL_DESCRIPTIONS.upsert);
		expect(byName.Add_to_audience.arguments).toEqual({ userId: 'The user ID' });
		expect(byName.Delete_audience.description).toBe(AUDIENCE_TOOL_DESCRIPTIONS.delete);
		expect(byName.Delete_audience.description).toContain(ALLOW);
		expect(byName.Remove_from_audience.description).toBe(AUDIENCE_TOOL_DESCRIPTIONS.removeMembers);
		expect(byName.Read_audience.description).toBe(AUDIENCE_TOOL_DESCRIPTIONS.get);
		expect(byName.List_audiences.description).toBe(AUDIENCE_TOOL_DESCRIPTIONS.getAll);
	});

	it('a description the user typed replaces the default', async () => {
		const { offered } = await runAgent([getCohortTool({ toolDescription: 'Exports the VIP cohort. Ask before calling.' })]);
		expect(offered[0].description).toBe('Exports the VIP cohort. Ask before calling.');
	});

	it('n8n builds the tool types from our descriptions: our Description field instead of its generic one, tool fields hidden in the regular nodes', () => {
		for (const node of ['amplitude', 'batch', 'batchProfile']) {
			const tool = toolTypes[`${PACKAGE}.${node}Tool`].description;
			expect(tool.name).toBe(`${node}Tool`);
			expect(tool.outputs).toEqual(['ai_tool']);
			expect(tool.properties.some((property) => property.name === 'descriptionType')).toBe(false);
			expect(tool.properties[0].name).toBe('toolDescription');
		}
		const defaults = (type: string, parameters: INodeParameters) => {
			const description = toolTypes[`${PACKAGE}.${type}`]?.description ?? (require('../harness/package-types') as typeof import('../harness/package-types')).packageNodeTypes()[`${PACKAGE}.${type}`].description;
			const node = { parameters, typeVersion: 1 } as unknown as INode;
			return NodeHelpers.getNodeParameters(description.properties, parameters, true, false, node, description as never) ?? {};
		};
		// The tool: the operation's own default description, the switch off, a summary instead of output formats.
		const deleteTool = defaults('batchTool', { resource: 'audience', operation: 'delete' });
		expect(deleteTool.toolDescription).toBe(AUDIENCE_TOOL_DESCRIPTIONS.delete);
		expect(deleteTool.allowAgentRemovals).toBe(false);
		const getTool = defaults('amplitudeTool', { resource: 'cohort', operation: 'get' });
		expect(getTool.toolDescription).toBe(COHORT_TOOL_DESCRIPTIONS.get);
		expect(getTool.agentMemberLimit).toBe(100);
		expect(getTool.outputFormat).toBeUndefined();
		expect(defaults('batchTool', { resource: 'audience', operation: 'getAll' }).allowAgentRemovals).toBeUndefined();
		// The regular nodes: none of it.
		const getNode = defaults('amplitude', { resource: 'cohort', operation: 'get' });
		expect(getNode.toolDescription).toBeUndefined();
		expect(getNode.agentMemberLimit).toBeUndefined();
		expect(getNode.outputFormat).toBe('items');
		expect(defaults('batch', { resource: 'audience', operation: 'delete' }).allowAgentRemovals).toBeUndefined();
	});
});

describe('Get cohort as a tool', () => {
	/** The cohort as the sandbox holds it: members, anonymous members, user IDs in file order. */
	async function cohortFacts(cohortId: string) {
		const facts = { members: 0, anonymous: 0, userIds: [] as string[] };
		for await (const member of amplitude.members(cohortId)) {
			facts.members++;
			if (member.user_id === '') facts.anonymous++;
			else facts.userIds.push(member.user_id);
		}
		return facts;
	}

	it('answers a summary (counts, the first 100 user IDs, the request ID), not the 5,000 members, after one export', async () => {
		const before = amplitude.exportsStarted;
		const { results } = await runAgent([getCohortTool()], [{ tool: 'Get_cohort', args: { cohortId: 'def456' } }]);
		expect(results[0].error).toBeUndefined();
		const [summary] = results[0].response as IDataObject[];
		expect((results[0].response as unknown[]).length).toBe(1);
		const cohort = await cohortFacts('def456');
		expect(cohort.members).toBe(5000);
		expect(cohort.anonymous).toBeGreaterThan(0);
		expect(summary).toMatchObject({
			cohortId: 'def456',
			memberCount: 5000,
			anonymousCount: cohort.anonymous,
			userIdsReturned: 100,
			userIdsLeftOut: cohort.userIds.length - 100,
		});
		expect(summary.userIds).toEqual(cohort.userIds.slice(0, 100));
		expect(summary.requestId).toEqual(expect.any(String));
		expect(String(summary.note)).toContain(`request ID ${String(summary.requestId)}`);
		expect(amplitude.exportsStarted - before).toBe(1);
	});

	it('counts anonymous members, which have no user ID to list', async () => {
		const { results } = await runAgent([getCohortTool()], [{ tool: 'Get_cohort', args: { cohortId: 'jkl012' } }]);
		const [summary] = results[0].response as IDataObject[];
		const cohort = await cohortFacts('jkl012');
		expect(summary).toMatchObject({ memberCount: 60, anonymousCount: cohort.anonymous, userIdsLeftOut: 0 });
		expect(summary.userIds).toEqual(cohort.userIds);
	});

	it('the agent may ask for more IDs when the user lets the model define the maximum, never beyond 1,000', async () => {
		const tool = getCohortTool({ agentMemberLimit: fromAi('maxMembers', 'How many user IDs to return', 'number') });
		const { offered, results } = await runAgent(
			[tool],
			[
				{ tool: 'Get_cohort', args: { cohortId: 'def456', maxMembers: 250 } },
				{ tool: 'Get_cohort', args: { cohortId: 'def456', maxMembers: 5000 } },
			],
		);
		expect(Object.keys(offered[0].arguments).sort()).toEqual(['cohortId', 'maxMembers']);
		const [asked, capped] = results.map((result) => (result.response as IDataObject[])[0]);
		const withId = (await cohortFacts('def456')).userIds.length;
		expect(asked).toMatchObject({ userIdsReturned: 250, userIdsLeftOut: withId - 250 });
		expect(capped).toMatchObject({ userIdsReturned: 1000, userIdsLeftOut: withId - 1000 });
		expect(String(capped.note)).toContain('At most 1000 user IDs');
	});
});

describe('removals and deletions by an agent', () => {
	const seed = (members: string[]) => {
		batch.seedAppAudience(batch.appKeys[0], { name: 'vip', type: 'custom_ids', ids: members });
		batch.seedProjectAudience(batch.projectKeys[0], { name: 'vip', ids: members });
	};
	const state = () => ({
		app: batch.appAudience(batch.appKeys[0], 'vip') ? batch.appAudienceIds(batch.appKeys[0], 'vip') : 'deleted',
		project: batch.projectAudience(batch.projectKeys[0], 'vip') ? batch.projectAudienceIds(batch.projectKeys[0], 'vip') : 'deleted',
	});
	const writes = () => batch.log.filter((entry) => entry.method !== 'GET');

	const destructive: Array<[string, string, INodeParameters]> = [
		['Delete', 'delete', {}],
		['Remove Members', 'removeMembers', {}],
		['Upsert in mode Remove', 'upsert', { mode: 'remove' }],
		['Upsert in mode Replace', 'upsert', { mode: 'replace' }],
		['Upsert in mode Sync Changes', 'upsert', { mode: 'syncChanges' }],
	];

	it.each(destructive)('%s is refused by default on both nodes, before any request, with an error the agent can read', async (_label, operation, parameters) => {
		seed(['a', 'b']);
		const { results } = await runAgent(
			[audienceTool('App', 'batch', operation, parameters), audienceTool('Project', 'batchProfile', operation, parameters)],
			[
				{ tool: 'App', args: { userId: 'a' } },
				{ tool: 'Project', args: { userId: 'a' } },
			],
		);
		for (const result of results) {
			expect(result.response).toBeUndefined();
			expect(result.error).toMatch(/^Refused: this tool may not .*Nothing was changed in Batch\./);
			expect(result.error).toContain(ALLOW);
		}
		expect(state()).toEqual({ app: ['a', 'b'], project: ['a', 'b'] });
		expect(writes()).toEqual([]);
	});

	it('Upsert in mode Add is allowed: it only adds', async () => {
		seed(['a']);
		const { results } = await runAgent([audienceTool('Add', 'batchProfile', 'upsert', { mode: 'add' })], [{ tool: 'Add', args: { userId: 'z' } }]);
		expect(results[0].error).toBeUndefined();
		expect((results[0].response as IDataObject[])[0]).toMatchObject({ added: 1, removed: 0 });
		expect(state().project).toEqual(['a', 'z']);
	});

	it('a dry run of Replace is allowed: it writes nothing', async () => {
		seed(['a', 'b']);
		const { results } = await runAgent(
			[audienceTool('Preview', 'batch', 'upsert', { mode: 'replace', options: { dryRun: true } })],
			[{ tool: 'Preview', args: { userId: 'a' } }],
		);
		expect(results[0].error).toBeUndefined();
		expect(state().app).toEqual(['a', 'b']);
		expect(writes()).toEqual([]);
	});

	it('with the switch on, the agent may delete an audience and remove members', async () => {
		seed(['a', 'b']);
		const allowed = { allowAgentRemovals: true };
		const { results } = await runAgent(
			[audienceTool('Delete', 'batch', 'delete', allowed), audienceTool('Remove', 'batchProfile', 'removeMembers', allowed)],
			[
				{ tool: 'Delete', args: {} },
				{ tool: 'Remove', args: { userId: 'a' } },
			],
		);
		expect(results.map((result) => result.error)).toEqual([undefined, undefined]);
		expect(state()).toEqual({ app: 'deleted', project: ['b'] });
	});

	it('the same nodes outside an agent ignore the switch', async () => {
		seed(['a', 'b']);
		const workflow: WorkflowJson = {
			nodes: [
				{ id: 's', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'd',
					name: 'Delete',
					type: `${PACKAGE}.batch`,
					typeVersion: 1,
					position: [200, 0],
					parameters: { resource: 'audience', operation: 'delete', audience: { __rl: true, mode: 'name', value: 'vip' } },
					credentials: { batchApi: { id: '1', name: 'batch' } },
				},
			],
			connections: { Start: { main: [[{ node: 'Delete', type: 'main', index: 0 }]] } },
		};
		const result = await runWorkflow(workflow, {
			credentials: { batchApi: { apiKey: batch.appKeys[0], restApiKey: batch.restApiKey, baseUrl: batch.url } },
		});
		expect(result.status).toBe('success');
		expect(state().app).toBe('deleted');
	});
});
