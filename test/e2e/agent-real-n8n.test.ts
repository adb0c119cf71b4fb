/**
 * n8n's own AI Agent (from @n8n/n8n-nodes-langchain, part of n8n) calling our nodes as tools in a real n8n
 * (`n8n execute`), with a scripted OpenAI-compatible model on loopback (scripted-chat-model.ts) instead of
 * a real one. What the model receives is what an LLM would: the tools' names, descriptions and JSON
 * schemas, then each tool's result. The sandboxes' state is asserted afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { COHORT_TOOL_DESCRIPTIONS } from '../../nodes/Amplitude/actions/cohort/tool-descriptions';
import { AUDIENCE_TOOL_DESCRIPTIONS } from '../../nodes/Batch/actions/audience/agent-tool';
import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_APP_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { buildPackage, ensureN8nInstalled, parseExecuteOutput, prepareUserFolder, runN8nCli, type N8nRuntime } from '../../scripts/n8n/runtime';
import { sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';
import { agentWithOurTools } from './agent-workflow';
import { startScriptedChatModel, type ScriptedChatModel } from './scripted-chat-model';

jest.setTimeout(15 * 60 * 1000);

describe("n8n's AI Agent with our tools, in a real n8n", () => {
	let runtime: N8nRuntime;
	let userFolder: string;
	let amplitude: AmplitudeSandbox;
	let batch: BatchSandbox;
	let model: ScriptedChatModel;
	const workDir = mkdtempSync(path.join(tmpdir(), 'n8n-agent-e2e-'));

	beforeAll(async () => {
		runtime = ensureN8nInstalled();
		buildPackage();
		userFolder = prepareUserFolder();
		amplitude = await startAmplitudeSandbox({ knobs: { exportDurationMs: 300 } });
		batch = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
		batch.seedAppAudience(BATCH_SANDBOX_APP_KEY, { name: 'beta_testers', type: 'custom_ids', ids: ['user-3'] });
		model = await startScriptedChatModel([
			{ toolCalls: [{ name: 'Get_cohort', args: { cohortId: 'def456' } }] },
			{ toolCalls: [{ name: 'Delete_app_audience', args: {} }] },
			{ say: 'The cohort has members; I was not allowed to delete the audience.' },
		]);
		const credentials = [
			...sandboxCredentials(amplitude.url, batch.url),
			{ id: 'scriptedModelCred', name: 'Scripted model', type: 'openAiApi', data: { apiKey: 'sk-scripted', url: model.url } },
		];
		writeFileSync(path.join(workDir, 'credentials.json'), JSON.stringify(credentials));
		const imported = await runN8nCli(runtime, userFolder, ['import:credentials', `--input=${path.join(workDir, 'credentials.json')}`]);
		expect(imported.stdout + imported.stderr).toMatch(/Successfully imported 4 credentials/);
	});

	afterAll(async () => {
		await Promise.all([amplitude?.close(), batch?.close(), model?.close()]);
		if (userFolder) rmSync(userFolder, { recursive: true, force: true });
		rmSync(workDir, { recursive: true, force: true });
	});

	it('offers the tools with their descriptions and schemas, gets the cohort summary, and is refused the deletion', async () => {
		const base = agentWithOurTools();
		const agent = { ...base.nodes[0], parameters: { promptType: 'define', text: 'How big is cohort def456? Then delete the app audience.', options: {} } };
		const workflow = {
			...base,
			id: 'agentToolsE2e',
			active: false,
			nodes: [
				{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				agent,
				{
					id: 'model',
					name: 'Scripted model',
					type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
					typeVersion: 1.2,
					position: [200, 260],
					parameters: { model: { __rl: true, mode: 'id', value: 'scripted-model' }, options: {} },
					credentials: { openAiApi: { id: 'scriptedModelCred', name: 'Scripted model' } },
				},
				...base.nodes.slice(1),
			],
			connections: {
				...base.connections,
				Start: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
				'Scripted model': { ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]] },
			},
		};
		writeFileSync(path.join(workDir, 'workflow.json'), JSON.stringify([workflow]));
		const imported = await runN8nCli(runtime, userFolder, ['import:workflow', `--input=${path.join(workDir, 'workflow.json')}`]);
		expect(imported.stdout + imported.stderr).toMatch(/Successfully imported 1 workflow/);
		const exportsBefore = amplitude.exportsStarted;
		const executed = await runN8nCli(runtime, userFolder, ['execute', `--id=${workflow.id}`, '--rawOutput']);
		const run = parseExecuteOutput(executed.stdout);

		// What the model was offered, as an LLM sees it.
		const tools = Object.fromEntries((model.requests[0]?.tools ?? []).map((tool) => [tool.function.name, tool.function]));
		expect(Object.keys(tools).sort()).toEqual(['Add_to_project_audience', 'Delete_app_audience', 'Get_cohort']);
		expect(tools.Get_cohort.description).toBe(COHORT_TOOL_DESCRIPTIONS.get);
		expect(tools.Get_cohort.parameters).toMatchObject({ type: 'object', properties: { cohortId: { type: 'string', description: 'ID of the cohort' } }, required: ['cohortId'] });
		expect(tools.Delete_app_audience.description).toBe(AUDIENCE_TOOL_DESCRIPTIONS.delete);
		expect(tools.Add_to_project_audience.description).toBe(AUDIENCE_TOOL_DESCRIPTIONS.upsert);
		expect(tools.Add_to_project_audience.parameters).toMatchObject({ properties: { userId: { type: 'string' } } });

		// What the tools did, from the run's data (each tool ran as its own node run under the agent).
		type ToolRun = { data?: { ai_tool?: Array<Array<{ json: Record<string, unknown> }>> }; error?: { message: string; description?: string } };
		const runData = run.data.resultData.runData as Record<string, ToolRun[]>;
		const cohortRuns = runData['Get cohort'] ?? [];
		expect(cohortRuns).toHaveLength(1);
		const cohortItems = cohortRuns[0].data?.ai_tool?.[0] ?? [];
		expect(cohortItems).toHaveLength(1);
		expect(cohortItems[0].json).toMatchObject({ cohortId: 'def456', memberCount: 5000, userIdsReturned: 100 });
		expect((cohortItems[0].json.userIds as unknown[]).length).toBe(100);
		expect(amplitude.exportsStarted - exportsBefore).toBe(1);
		const deleteRun = (runData['Delete app audience'] ?? [])[0];
		expect(deleteRun?.error?.message).toMatch(/^Refused: this tool may not delete an audience/);
		expect(deleteRun?.error?.description).toContain('Allow Agents to Remove Members / Delete Audiences');
		expect(batch.appAudienceIds(BATCH_SANDBOX_APP_KEY, 'beta_testers')).toEqual(['user-3']);
		// The agent went on after the refusal and gave its answer.
		expect(model.requests.length).toBe(3);
		expect(JSON.stringify(runData['AI Agent'])).toContain('I was not allowed to delete the audience');
	});
});
