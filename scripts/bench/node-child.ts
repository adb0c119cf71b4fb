/**
 * One measured n8n run, in its own process: the benchmark workflow through n8n's engine (WorkflowExecute)
 * with our nodes, binary data on the filesystem as n8n stores it by default. The sandboxes live in the
 * parent, so this process holds only n8n and the nodes. Prints `NODE-RESULT {json}`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

import { useFilesystemBinaryData } from '../../test/harness/binary-data';
import { currentRssMb, peakRssMb, startRssSampler } from './memory';
import { benchWorkflow, type WorkflowSettings } from './workflow';

export interface NodeChildConfig {
	workflow: WorkflowSettings;
	amplitude: { url: string; apiKey: string; secretKey: string };
	batch: { url: string; projectKey: string; restApiKey: string };
	/** Workflow static data to start from (a file written by an earlier run), and where to write it after. */
	staticDataIn?: string;
	staticDataOut?: string;
}

export interface NodeChildResult {
	status: string;
	error?: string;
	wallMs: number;
	/** CPU time of this process during the run (user + system, all threads). */
	cpuMs: number;
	/** Per node, as n8n's run data times it. */
	nodeMs: Record<string, number>;
	amplitude: { memberCount?: number; anonymousCount?: number; outputItems: number; exportMs?: number; downloadMs?: number };
	report?: {
		effectiveMode: string;
		fallbackReason: string | null;
		received: number;
		unique: number;
		added: number;
		removed: number;
		requests: number;
		durationMs: number;
		stateSaved: boolean;
	};
	/** RSS once n8n's engine and our nodes are loaded: what any run starts from. */
	baselineRssMb: number;
	/** Highest RSS sampled during the run. */
	sampledPeakRssMb: number;
	/** VmHWM: the process's true peak. */
	peakRssMb: number;
}

async function run(config: NodeChildConfig): Promise<NodeChildResult> {
	await useFilesystemBinaryData();
	const { runWorkflow } = await import('../../test/harness/workflow-runner');
	// Load (and compile) the node classes now, so the baseline includes them.
	(await import('../../test/harness/package-types')).packageNodeTypes();
	// ICU's locale data loads on the first toLocaleString (~0.5 s): a long-running n8n has paid it long ago.
	(0).toLocaleString('en-US');
	(globalThis as { gc?: () => void }).gc?.();
	const baselineRssMb = currentRssMb();
	const staticData = config.staticDataIn ? JSON.parse(readFileSync(config.staticDataIn, 'utf8')) : undefined;

	const sampler = startRssSampler();
	const started = Date.now();
	const cpuAtStart = process.cpuUsage();
	const result = await runWorkflow(benchWorkflow(config.workflow), {
		mode: 'trigger',
		staticData,
		credentials: {
			amplitudeCohortsApi: { apiKey: config.amplitude.apiKey, secretKey: config.amplitude.secretKey, region: 'custom', baseUrl: config.amplitude.url },
			batchProfileApi: { projectApiKey: config.batch.projectKey, restApiKey: config.batch.restApiKey, baseUrl: config.batch.url },
		},
	});
	const wallMs = Date.now() - started;
	const cpu = process.cpuUsage(cpuAtStart);
	const sampledPeakRssMb = sampler.stop();
	if (config.staticDataOut) writeFileSync(config.staticDataOut, JSON.stringify(result.staticData));

	const nodeMs: Record<string, number> = {};
	for (const [name, runs] of Object.entries(result.run.data.resultData.runData)) nodeMs[name] = runs[runs.length - 1].executionTime;
	const amplitudeItems = result.nodes['Get cohort']?.items[0] ?? [];
	const summary = (amplitudeItems[0]?.json ?? {}) as { memberCount?: number; anonymousCount?: number; phases?: { exportMs: number; downloadMs: number } };
	return {
		status: result.status,
		error: result.error ? `${result.error.message} ${result.error.description ?? ''}`.trim() : undefined,
		wallMs,
		cpuMs: Math.round((cpu.user + cpu.system) / 1000),
		nodeMs,
		amplitude: {
			memberCount: summary.memberCount,
			anonymousCount: summary.anonymousCount,
			outputItems: amplitudeItems.length,
			exportMs: summary.phases?.exportMs,
			downloadMs: summary.phases?.downloadMs,
		},
		report: result.nodes['Upsert audience']?.items[0]?.[0]?.json as unknown as NodeChildResult['report'],
		baselineRssMb: Math.round(baselineRssMb),
		sampledPeakRssMb: Math.round(sampledPeakRssMb),
		peakRssMb: Math.round(peakRssMb()),
	};
}

run(JSON.parse(process.argv[2]) as NodeChildConfig).then(
	(result) => {
		process.stdout.write(`NODE-RESULT ${JSON.stringify(result)}\n`);
		process.exit(0);
	},
	(error: unknown) => {
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		process.exit(1);
	},
);
