/**
 * Benchmark of the Amplitude node's Get cohort, per output format: wall time and peak RSS for 100k
 * and 1M members, against the Amplitude sandbox. Not a test: it prints a table.
 *
 *   npx ts-node --transpile-only scripts/bench-amplitude.ts [--sizes 100000,1000000] [--formats items,compact,binary]
 *
 * The parent starts the sandbox; each measurement runs in a fresh child process (so peak RSS is that
 * format's alone) that runs the node through n8n's engine with the test harness. `binary` stores the
 * file the way n8n does by default (filesystem mode); `binary-memory` keeps it in the execution data.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

type Format = 'items' | 'compact' | 'binary' | 'binary-memory';

interface ChildResult {
	format: Format;
	members: number;
	outputItems: number;
	ms: number;
	exportMs?: number;
	baselineRssMb: number;
	peakRssMb: number;
	/** Heap still in use after a full GC, the output held: what later nodes of the workflow live with. */
	retainedHeapMb: number;
	fileSize?: string;
}

function argument(name: string, fallback: string): string {
	const at = process.argv.indexOf(`--${name}`);
	return at !== -1 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

/** One measurement, in this (child) process. */
async function runChild(format: Format, size: number, sandboxUrl: string, apiKey: string, secretKey: string): Promise<void> {
	// What n8n does at start-up in its default filesystem mode: binary files go to disk as streams.
	if (format === 'binary') await (await import('../test/harness/binary-data')).useFilesystemBinaryData();
	const { runWorkflow } = await import('../test/harness/workflow-runner');
	// Measured once n8n's engine is loaded: what the run adds is the difference with the peak.
	const baselineRssMb = process.resourceUsage().maxRSS / 1024;
	(globalThis as { gc?: () => void }).gc?.();
	const baselineHeap = process.memoryUsage().heapUsed;
	const started = Date.now();
	const result = await runWorkflow(
		{
			nodes: [
				{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: '2',
					name: 'Amplitude',
					type: 'n8n-nodes-amplitude-batch.amplitude',
					typeVersion: 1,
					position: [200, 0],
					parameters: {
						resource: 'cohort',
						operation: 'get',
						cohort: { __rl: true, mode: 'id', value: `bench${size}` },
						outputFormat: format === 'binary-memory' ? 'binary' : format,
						options: { pollIntervalSeconds: 0.2 },
					},
					credentials: { amplitudeCohortsApi: { id: '1', name: 'sandbox' } },
				},
			],
			connections: { Start: { main: [[{ node: 'Amplitude', type: 'main', index: 0 }]] } },
		},
		{ credentials: { amplitudeCohortsApi: { apiKey, secretKey, region: 'custom', baseUrl: sandboxUrl } } },
	);
	const ms = Date.now() - started;
	if (result.status !== 'success') throw new Error(`run failed: ${result.error?.message}`);
	const items = result.nodes.Amplitude.items[0];
	const first = items[0];
	const summary = first.json as { memberCount?: number; phases?: { exportMs: number } };
	(globalThis as { gc?: () => void }).gc?.();
	const retainedHeapMb = Math.round((process.memoryUsage().heapUsed - baselineHeap) / 1024 / 1024);
	const output: ChildResult = {
		format,
		members: summary.memberCount ?? items.length,
		outputItems: items.length,
		ms,
		exportMs: summary.phases?.exportMs,
		baselineRssMb: Math.round(baselineRssMb),
		peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
		retainedHeapMb,
		fileSize: first.binary?.data?.fileSize,
	};
	process.stdout.write(`BENCH ${JSON.stringify(output)}\n`);
}

function measure(format: Format, size: number, url: string, apiKey: string, secretKey: string): Promise<ChildResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(
			process.execPath,
			['--expose-gc', '-r', 'ts-node/register/transpile-only', __filename, '--child', format, String(size), url, apiKey, secretKey],
			{ stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, N8N_LOG_LEVEL: 'warn' } },
		);
		let stdout = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => {
			const line = stdout.split('\n').find((text) => text.startsWith('BENCH '));
			if (code !== 0 || !line) reject(new Error(`${format} ${size}: child exited with ${code}\n${stdout.slice(-2000)}`));
			else resolve(JSON.parse(line.slice(6)) as ChildResult);
		});
	});
}

async function runParent(): Promise<void> {
	const sizes = argument('sizes', '100000,1000000').split(',').map(Number);
	const formats = argument('formats', 'items,compact,binary,binary-memory').split(',') as Format[];
	const { startAmplitudeSandbox } = await import('../sandbox/amplitude');
	const sandbox = await startAmplitudeSandbox({ knobs: { exportDurationMs: 100 } });
	const userFolder = mkdtempSync(path.join(tmpdir(), 'bench-n8n-'));
	process.env.N8N_USER_FOLDER = userFolder;
	for (const size of sizes) sandbox.setCohort({ id: `bench${size}`, name: `Benchmark ${size}`, size });
	console.log(`Amplitude sandbox at ${sandbox.url}; node ${process.version}; gzip "${sandbox.knobs.gzip}", via S3 redirect`);
	console.log('format         members    items out  time (s)  export (s)  peak RSS (MB)  RSS at start (MB)  heap held by output (MB)  file');
	try {
		for (const size of sizes) {
			for (const format of formats) {
				const result = await measure(format, size, sandbox.url, sandbox.apiKey, sandbox.secretKey);
				console.log(
					[
						format.padEnd(13),
						String(result.members).padStart(8),
						String(result.outputItems).padStart(11),
						(result.ms / 1000).toFixed(1).padStart(9),
						(result.exportMs === undefined ? '-' : (result.exportMs / 1000).toFixed(1)).padStart(11),
						String(result.peakRssMb).padStart(14),
						String(result.baselineRssMb).padStart(18),
						String(result.retainedHeapMb).padStart(25),
						` ${result.fileSize ?? ''}`,
					].join(' '),
				);
			}
		}
	} finally {
		await sandbox.close();
		rmSync(userFolder, { recursive: true, force: true });
	}
}

const childAt = process.argv.indexOf('--child');
const main =
	childAt !== -1
		? () => {
				const [format, size, url, apiKey, secretKey] = process.argv.slice(childAt + 1);
				return runChild(format as Format, Number(size), url, apiKey, secretKey);
			}
		: runParent;

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
