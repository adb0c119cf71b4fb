/**
 * A real n8n editor wired to the sandboxes: package installed as a community package, sandbox
 * credentials and the example workflows imported, an owner account set up. Used by `npm run n8n`
 * and by the editor check in a real browser.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { startNotificationSink, type NotificationSink } from '../../sandbox/notifications';
import { exampleFiles, loadExample, withNotificationUrl } from './examples';
import { buildPackage, ensureN8nInstalled, prepareUserFolder, runN8nCli, startN8nServer } from './runtime';
import { sandboxCredentials } from './sandbox-credentials';

export const OWNER = {
	email: 'owner@example.com',
	firstName: 'Sandbox',
	lastName: 'Owner',
	password: 'Sandbox-owner-1',
};

export interface LaunchedEditor {
	url: string;
	/** n8n's user folder: the package is installed in its .n8n/nodes/node_modules. */
	userFolder: string;
	/** Session cookie of the owner (`n8n-auth`). */
	authCookie: string;
	workflowIds: Record<string, string>;
	amplitude: AmplitudeSandbox;
	batch: BatchSandbox;
	sink: NotificationSink;
	stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

export async function launchEditor(
	options: { port?: number; amplitudePort?: number; batchPort?: number; build?: boolean; env?: Record<string, string> } = {},
): Promise<LaunchedEditor> {
	const runtime = ensureN8nInstalled();
	if (options.build !== false) buildPackage();
	const userFolder = prepareUserFolder();
	const amplitude = await startAmplitudeSandbox({ port: options.amplitudePort ?? 0 });
	const batch = await startBatchSandbox({ port: options.batchPort ?? 0 });
	const sink = await startNotificationSink();

	const files = mkdtempSync(path.join(tmpdir(), 'n8n-launch-'));
	const credentialsFile = path.join(files, 'credentials.json');
	writeFileSync(credentialsFile, JSON.stringify(sandboxCredentials(amplitude.url, batch.url)));
	await runN8nCli(runtime, userFolder, ['import:credentials', `--input=${credentialsFile}`]);
	const workflowIds: Record<string, string> = {};
	const workflows = exampleFiles().map((file) => {
		const workflow = withNotificationUrl(loadExample(file), sink.url);
		workflowIds[file] = workflow.id;
		return { ...workflow, active: false };
	});
	const workflowsFile = path.join(files, 'workflows.json');
	writeFileSync(workflowsFile, JSON.stringify(workflows));
	await runN8nCli(runtime, userFolder, ['import:workflow', `--input=${workflowsFile}`]);

	const server = await startN8nServer(runtime, userFolder, options.port ?? (await freePort()), options.env ?? {}, await freePort());
	const setup = await fetch(`${server.url}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(OWNER),
	});
	if (!setup.ok) throw new Error(`owner setup failed: ${setup.status} ${await setup.text()}`);
	const login = await fetch(`${server.url}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
	});
	const cookie = /n8n-auth=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
	if (!login.ok || !cookie) throw new Error(`login failed: ${login.status} ${await login.text()}`);

	return {
		url: server.url,
		userFolder,
		authCookie: cookie,
		workflowIds,
		amplitude,
		batch,
		sink,
		stop: async () => {
			await server.stop();
			await Promise.all([amplitude.close(), batch.close(), sink.close()]);
		},
	};
}
