/**
 * Stopping an execution in a real n8n (`n8n start`, a published Schedule Trigger workflow) while the Batch
 * node waits out a 429 with `Retry-After: 30`: the wait ends within a second of the stop (n8n's
 * `POST /rest/executions/:id/stop`, what the editor's Stop button calls), and no further call is made.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import type { ExampleWorkflow } from '../../scripts/n8n/examples';
import { importAndPublish, sqliteExecutions, startMain, type N8nInstance } from '../../scripts/n8n/instances';
import { OWNER } from '../../scripts/n8n/launch';
import { waitFor } from '../../scripts/n8n/processes';
import { PACKAGE_NAME, buildPackage, ensureN8nInstalled, prepareUserFolder, runN8nCli, type N8nRuntime } from '../../scripts/n8n/runtime';
import { CREDENTIAL_IDS, sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';

jest.setTimeout(10 * 60 * 1000);

const WORKFLOW_ID = 'stopDuringRetryWait';

const workflow = {
	id: WORKFLOW_ID,
	name: 'Stop during a retry wait',
	nodes: [
		{
			id: 'a',
			name: 'Every minute',
			type: 'n8n-nodes-base.scheduleTrigger',
			typeVersion: 1.2,
			position: [0, 0],
			parameters: { rule: { interval: [{ field: 'minutes', minutesInterval: 1 }] } },
		},
		{
			id: 'b',
			name: 'Upsert audience',
			type: `${PACKAGE_NAME}.batchProfile`,
			typeVersion: 1,
			position: [220, 0],
			parameters: {
				resource: 'audience',
				operation: 'upsert',
				audience: { __rl: true, mode: 'name', value: 'stop_test' },
				mode: 'replace',
				identifierSource: 'items',
				identifier: '={{ "user-1" }}',
			},
			credentials: { batchProfileApi: { id: CREDENTIAL_IDS.batchProfileApi, name: 'Batch sandbox project' } },
		},
	],
	connections: { 'Every minute': { main: [[{ node: 'Upsert audience', type: 'main', index: 0 }]] } },
	settings: {},
} as unknown as ExampleWorkflow;

describe('a stopped execution in a real n8n', () => {
	let runtime: N8nRuntime;
	let userFolder: string;
	let batch: BatchSandbox;
	let main: N8nInstance | undefined;
	const workDir = mkdtempSync(path.join(tmpdir(), 'n8n-stop-'));

	beforeAll(async () => {
		runtime = ensureN8nInstalled();
		buildPackage();
		userFolder = prepareUserFolder();
		batch = await startBatchSandbox({ knobs: { indexingDelayMs: 0 } });
		const credentialsFile = path.join(workDir, 'credentials.json');
		writeFileSync(credentialsFile, JSON.stringify(sandboxCredentials('http://127.0.0.1:9', batch.url)));
		await runN8nCli(runtime, userFolder, ['import:credentials', `--input=${credentialsFile}`]);
		await importAndPublish(runtime, userFolder, workDir, [workflow], [WORKFLOW_ID]);
	});

	afterAll(async () => {
		await main?.stop();
		await batch?.close();
		if (userFolder) rmSync(userFolder, { recursive: true, force: true });
		rmSync(workDir, { recursive: true, force: true });
	});

	it('ends a 30 s Retry-After wait within a second of the stop, making no further call', async () => {
		batch.faults.set({ rateLimit: { fraction: 1, retryAfterSeconds: 30 } });
		main = await startMain(runtime, userFolder);
		const url = main.url!;
		const setup = await fetch(`${url}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(OWNER),
		});
		expect(setup.ok).toBe(true);
		const login = await fetch(`${url}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
		});
		const cookie = /n8n-auth=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
		expect(cookie).toBeDefined();
		const describe = () => main?.output().slice(-3000) ?? '';

		// The schedule fires; the node's first call gets the 429 and starts its 30 s wait.
		await waitFor('the first 429', () => (batch.log.some((entry) => entry.status === 429) ? true : undefined), {
			timeoutMs: 150_000,
			intervalMs: 100,
			describe,
		});
		const running = await waitFor(
			'the running execution in the database',
			async () => (await sqliteExecutions(runtime, userFolder)).find((row) => row.workflowId === WORKFLOW_ID),
			{ timeoutMs: 30_000, intervalMs: 200, describe },
		);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		const callsBefore = batch.log.length;

		const stoppedAt = Date.now();
		const stop = await fetch(`${url}/rest/executions/${running.id}/stop`, {
			method: 'POST',
			headers: { cookie: `n8n-auth=${cookie}`, 'content-type': 'application/json' },
			body: '{}',
		});
		expect(stop.ok).toBe(true);
		// The node logs its failure as soon as its wait ends: that line, not the execution's status, proves it.
		await waitFor('the node to end its wait', () => (/stopped while waiting to retry/.test(main!.output()) ? true : undefined), {
			timeoutMs: 40_000,
			intervalMs: 20,
			describe,
		});
		const endedAfterMs = Date.now() - stoppedAt;
		console.log(`real n8n: a stop during a 30 s Retry-After wait ended the wait ${endedAfterMs} ms later`);
		expect(endedAfterMs).toBeLessThan(1000);

		const row = await waitFor(
			'the execution to be recorded as canceled',
			async () => (await sqliteExecutions(runtime, userFolder)).find((candidate) => candidate.id === running.id && candidate.status === 'canceled'),
			{ timeoutMs: 30_000, intervalMs: 200, describe },
		);
		expect(row.status).toBe('canceled');
		// Past the 30 s the server asked for, the stopped execution made no further call (the next schedule
		// tick may start a new execution; its calls start with a view of the audience at a later minute).
		await new Promise((resolve) => setTimeout(resolve, 2000));
		expect(batch.log.slice(callsBefore).filter((entry) => entry.time < stoppedAt + 2000)).toEqual([]);
	});
});
