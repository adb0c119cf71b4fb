/**
 * What Skip If Unchanged costs and saves per run, against the Amplitude sandbox, through n8n's engine:
 * requests per Get cohort run (the cohort list was already read before this option existed), the time of
 * one cohort-list call, and the time of a run that skips against one that exports a small cohort.
 *
 *   npx ts-node --transpile-only scripts/bench-skip.ts [--runs 20]
 */
import type { IDataObject } from 'n8n-workflow';

import { startAmplitudeSandbox } from '../sandbox/amplitude';
import { runWorkflow } from '../test/harness/workflow-runner';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
	const sb = await startAmplitudeSandbox({ knobs: { exportDurationMs: 0 } });
	const credentials = { amplitudeCohortsApi: { apiKey: sb.apiKey, secretKey: sb.secretKey, region: 'custom', baseUrl: sb.url } };
	const workflow = (options: IDataObject) => ({
		nodes: [
			{ id: '1', name: 'Schedule Trigger', type: 'n8n-nodes-base.scheduleTrigger', typeVersion: 1.2, position: [0, 0] as [number, number], parameters: {} },
			{
				id: '2',
				name: 'Get cohort',
				type: 'n8n-nodes-amplitude-batch.amplitude',
				typeVersion: 1,
				position: [200, 0] as [number, number],
				parameters: { resource: 'cohort', operation: 'get', cohort: { __rl: true, mode: 'id', value: 'abc123' }, outputFormat: 'compact', options: { pollIntervalSeconds: 0.01, ...options } },
				credentials: { amplitudeCohortsApi: { id: '1', name: 'sandbox' } },
			},
		],
		connections: { 'Schedule Trigger': { main: [[{ node: 'Get cohort', type: 'main' as const, index: 0 }]] } },
	});
	const authorization = `Basic ${Buffer.from(`${sb.apiKey}:${sb.secretKey}`).toString('base64')}`;
	try {
		const listing: number[] = [];
		for (let i = 0; i < runs * 5; i++) {
			const started = performance.now();
			await (await fetch(`${sb.url}/api/3/cohorts`, { headers: { authorization } })).arrayBuffer();
			listing.push(performance.now() - started);
		}

		const timed = async (options: IDataObject, staticData: IDataObject) => {
			const before = sb.log.length;
			const started = performance.now();
			const result = await runWorkflow(workflow(options), { credentials, mode: 'trigger', staticData });
			if (result.status !== 'success') throw new Error(result.error?.message);
			return { ms: performance.now() - started, requests: sb.log.slice(before).map((entry) => entry.url.split('?')[0]), staticData: result.staticData };
		};
		await timed({}, {}); // warm-up: modules, first connection
		const exporting: Array<Awaited<ReturnType<typeof timed>>> = [];
		for (let i = 0; i < runs; i++) exporting.push(await timed({}, {}));
		const recorded = (await timed({ skipIfUnchanged: true }, {})).staticData;
		const skipping: Array<Awaited<ReturnType<typeof timed>>> = [];
		for (let i = 0; i < runs; i++) skipping.push(await timed({ skipIfUnchanged: true }, recorded));

		console.log(`cohort list call (5 cohorts, loopback): median ${median(listing).toFixed(2)} ms over ${listing.length} calls`);
		console.log(`Get cohort, exporting 25 members: median ${median(exporting.map((run) => run.ms)).toFixed(1)} ms; requests ${exporting[0].requests.join(', ')}`);
		console.log(`Get cohort, Skip If Unchanged (unchanged): median ${median(skipping.map((run) => run.ms)).toFixed(1)} ms; requests ${skipping[0].requests.join(', ')}`);
	} finally {
		await sb.close();
	}
}

main().catch((error: Error) => {
	console.error(error.message);
	process.exit(1);
});
