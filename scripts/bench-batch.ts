/**
 * Benchmark of the Batch node's Upsert (Replace) through n8n's engine against the Batch sandbox:
 * 100k and 1M ids (plus 2M for the scale check), from the list field and the binary CSV, with and
 * without injected 429s. Each case runs in a child process so its peak RSS is its own; the sandbox runs
 * in this process. Prints time, peak RSS, requests and retries per case.
 *
 *   npx ts-node --transpile-only scripts/bench-batch.ts            # every case
 *   npx ts-node --transpile-only scripts/bench-batch.ts 100k        # cases whose label contains "100k"
 *   BENCH_HEAP_MB=640 npx ts-node --transpile-only scripts/bench-batch.ts 2M   # prove it fits a small heap
 *
 * "RSS before" is measured after building the input and a forced GC; "peak during run" is sampled every
 * 20 ms while the workflow runs; V8 collects lazily under a large heap, so the cap shows the real need.
 */

import { spawn } from 'node:child_process';

import { BATCH_SANDBOX_APP_KEY, BATCH_SANDBOX_REST_KEY, startBatchSandbox } from '../sandbox/batch';

interface BenchCase {
	label: string;
	ids: number;
	source: 'listField' | 'binaryCsv';
	rateLimitFraction: number;
}

interface ChildResult {
	status: string;
	error?: string;
	wallMs: number;
	/** RSS once the input is built and garbage collected: what n8n holds before the node runs. */
	inputRssMb: number;
	/** Highest RSS sampled while the workflow ran. */
	runPeakRssMb: number;
	/** The process's lifetime peak (input generation included). */
	peakRssMb: number;
	report: { requests: number; retries: number; added: number; unique: number; durationMs: number; chunks: { total: number } };
}

const CASES: BenchCase[] = [
	{ label: '100k list', ids: 100_000, source: 'listField', rateLimitFraction: 0 },
	{ label: '100k list + 429s', ids: 100_000, source: 'listField', rateLimitFraction: 0.2 },
	{ label: '100k csv', ids: 100_000, source: 'binaryCsv', rateLimitFraction: 0 },
	{ label: '1M list', ids: 1_000_000, source: 'listField', rateLimitFraction: 0 },
	{ label: '1M list + 429s', ids: 1_000_000, source: 'listField', rateLimitFraction: 0.2 },
	{ label: '1M csv', ids: 1_000_000, source: 'binaryCsv', rateLimitFraction: 0 },
	{ label: '1M csv + 429s', ids: 1_000_000, source: 'binaryCsv', rateLimitFraction: 0.2 },
	{ label: '2M list', ids: 2_000_000, source: 'listField', rateLimitFraction: 0 },
	{ label: '2M csv', ids: 2_000_000, source: 'binaryCsv', rateLimitFraction: 0 },
];

const idOf = (i: number) => `amp-user-${String(i).padStart(8, '0')}`;

async function child(benchCase: BenchCase, baseUrl: string): Promise<ChildResult> {
	const { runWorkflow } = await import('../test/harness/workflow-runner');
	let item: { json: Record<string, unknown>; binary?: Record<string, { data: string; mimeType: string }> };
	if (benchCase.source === 'listField') {
		const userIds = new Array<string>(benchCase.ids);
		for (let i = 0; i < benchCase.ids; i++) userIds[i] = idOf(i);
		item = { json: { cohortId: 'bench', memberCount: benchCase.ids, userIds } };
	} else {
		const lines = ['amplitude_id,user_id,plan'];
		for (let i = 0; i < benchCase.ids; i++) lines.push(`${i},"${idOf(i)}",pro`);
		item = { json: { cohortId: 'bench' }, binary: { data: { data: Buffer.from(lines.join('\n')).toString('base64'), mimeType: 'text/csv' } } };
	}
	(globalThis as { gc?: () => void }).gc?.();
	const inputRssMb = process.memoryUsage().rss / 2 ** 20;
	let runPeak = process.memoryUsage().rss;
	const sampler = setInterval(() => (runPeak = Math.max(runPeak, process.memoryUsage().rss)), 20);
	const started = Date.now();
	const result = await runWorkflow(
		{
			nodes: [
				{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: '2',
					name: 'Sync',
					type: 'n8n-nodes-amplitude-batch.batch',
					typeVersion: 1,
					position: [200, 0],
					parameters: {
						resource: 'audience',
						operation: 'upsert',
						audience: { __rl: true, mode: 'name', value: 'bench' },
						mode: 'replace',
						identifierSource: benchCase.source,
						listField: 'userIds',
						binaryPropertyName: 'data',
						csvColumn: 'user_id',
						options: { concurrency: 4, maxRetries: 8 },
					},
					credentials: { batchApi: { id: '1', name: 'bench' } },
				},
			],
			connections: { Start: { main: [[{ node: 'Sync', type: 'main', index: 0 }]] } },
		},
		{
			credentials: { batchApi: { apiKey: BATCH_SANDBOX_APP_KEY, restApiKey: BATCH_SANDBOX_REST_KEY, baseUrl } },
			mode: 'trigger',
			triggerItems: [item as never],
		},
	);
	const wallMs = Date.now() - started;
	clearInterval(sampler);
	const report = result.nodes.Sync?.items[0]?.[0]?.json as unknown as ChildResult['report'];
	return {
		status: result.status,
		error: result.error?.message,
		wallMs,
		inputRssMb,
		runPeakRssMb: runPeak / 2 ** 20,
		peakRssMb: process.resourceUsage().maxRSS / 1024,
		report,
	};
}

async function main() {
	if (process.argv[2] === '--child') {
		const outcome = await child(JSON.parse(process.argv[3]) as BenchCase, process.argv[4]);
		process.stdout.write(`\nBENCH-RESULT ${JSON.stringify(outcome)}\n`);
		return;
	}
	const filter = process.argv[2];
	const sb = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
	const rows: string[] = [];
	const header = ['case', 'ids', 'status', 'wall s', 'sync s', 'RSS before MB', 'peak RSS during run MB', 'added by run MB', 'requests', 'retries', '429s'];
	try {
		for (const benchCase of CASES.filter((c) => !filter || c.label.includes(filter))) {
			sb.reset();
			sb.log.length = 0;
			if (benchCase.rateLimitFraction > 0) {
				sb.faults.set({ rateLimit: { fraction: benchCase.rateLimitFraction, retryAfterSeconds: 1, match: '/custom-audience/' } }, 42);
			}
			// The child runs while this process serves the sandbox, so the spawn must not block the event loop.
			const output = await runChild(benchCase, sb.url);
			const line = output.split('\n').find((text) => text.startsWith('BENCH-RESULT '));
			if (!line) throw new Error(`Case ${benchCase.label} printed no result:\n${output.slice(-2000)}`);
			const result = JSON.parse(line.slice('BENCH-RESULT '.length)) as ChildResult;
			const throttled = sb.log.filter((entry) => entry.status === 429).length;
			const members = sb.appAudience(BATCH_SANDBOX_APP_KEY, 'bench')?.ids.size ?? 0;
			if (result.status === 'success' && members !== benchCase.ids) throw new Error(`${benchCase.label}: audience holds ${members} ids`);
			rows.push(
				[
					benchCase.label,
					benchCase.ids,
					result.status === 'success' ? 'ok' : `error: ${result.error}`,
					(result.wallMs / 1000).toFixed(1),
					((result.report?.durationMs ?? 0) / 1000).toFixed(1),
					result.inputRssMb.toFixed(0),
					result.runPeakRssMb.toFixed(0),
					(result.runPeakRssMb - result.inputRssMb).toFixed(0),
					result.report?.requests,
					result.report?.retries,
					throttled,
				].join(' | '),
			);
			process.stdout.write(`${rows[rows.length - 1]}\n`);
		}
	} finally {
		await sb.close();
	}
	process.stdout.write(`\n${header.join(' | ')}\n${header.map(() => '---').join(' | ')}\n${rows.join('\n')}\n`);
}

function runChild(benchCase: BenchCase, baseUrl: string): Promise<string> {
	return new Promise((resolve, reject) => {
		
		const proc = spawn(
			process.execPath,
			[`--max-old-space-size=${process.env.BENCH_HEAP_MB ?? 4096}`, '--expose-gc', '-r', 'ts-node/register/transpile-only', __filename, '--child', JSON.stringify(benchCase), baseUrl],
			{ stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, N8N_LOG_LEVEL: 'warn' } },
		);
		let output = '';
		proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		proc.on('error', reject);
		proc.on('close', () => resolve(output));
	});
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exitCode = 1;
});
