/**
 * The install path users take: Settings → Community Nodes → Install, i.e. n8n's own
 * `POST /rest/community-packages` as the owner, which makes n8n run `npm pack` and `npm install` against the
 * npm registry. Here the registry is Verdaccio on loopback (no uplinks) holding the packed package, reached
 * through a loopback HTTPS proxy that answers for registry.npmjs.org (scripts/n8n/registry.ts says why: n8n
 * refuses any other registry without an enterprise licence, and puts `--registry=` on npm's command line).
 * Then: the nodes appear in the node-types endpoint with their codex categories, the example workflow runs
 * against the sandboxes, 0.1.1 is published and installed over it with `PATCH` (credentials and workflow
 * survive and still run), and `DELETE` uninstalls it. On 2.x, a restart with N8N_COMMUNITY_PACKAGES
 * (the environment install for Docker) installs it again from the same registry. Then queue mode (Redis,
 * PostgreSQL, a main and a worker with separate user folders): the UI install reaches the worker, which
 * runs the example; the uninstall removes it there too.
 *
 * Runs on the pinned 2.x by default; the n8n 1.x line (no environment install there):
 *
 *   N8N_VERSION=1.123.81 N8N_NODE=system npx jest test/e2e/community-install
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_APP_KEY, startBatchSandbox, type BatchSandbox } from '../../sandbox/batch';
import { EXAMPLE_COHORT_IDS, loadExample } from '../../scripts/n8n/examples';
import { executionsStartedBy, startMain, startWorker, type N8nInstance } from '../../scripts/n8n/instances';
import { OWNER } from '../../scripts/n8n/launch';
import { waitFor } from '../../scripts/n8n/processes';
import { startLocalRegistry, startRegistryProxy, withVersion, NPMJS_HOST, type LocalRegistry, type RegistryProxy } from '../../scripts/n8n/registry';
import { PACKAGE_NAME, REPO_ROOT, buildPackage, ensureN8nInstalled, packPackage, runN8nCli, type N8nRuntime } from '../../scripts/n8n/runtime';
import { CREDENTIAL_IDS, sandboxCredentials } from '../../scripts/n8n/sandbox-credentials';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from '../../scripts/n8n/services';

jest.setTimeout(15 * 60 * 1000);

const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NEXT_VERSION = bumpPatch(VERSION);
const EXAMPLE = loadExample('cohort-to-batch-app.json');
const AUDIENCE = 'amplitude_power_users';
const manifestNodes = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } }).n8n.nodes;

interface InstalledPackage {
	packageName: string;
	installedVersion: string;
	updateAvailable?: string;
	installedNodes: Array<{ name: string; type: string; latestVersion: number }>;
}

let runtime: N8nRuntime;
let registry: LocalRegistry;
let proxy: RegistryProxy;
let amplitude: AmplitudeSandbox;
let batch: BatchSandbox;
let tarball: string;
const workDir = mkdtempSync(path.join(tmpdir(), 'n8n-community-install-files-'));

beforeAll(async () => {
	runtime = ensureN8nInstalled();
	buildPackage();
	tarball = packPackage();
	// Tarball links in the registry's answers name registry.npmjs.org, so npm fetches them through the proxy too.
	registry = await startLocalRegistry({ publicUrl: `https://${NPMJS_HOST}/` });
	proxy = await startRegistryProxy(registry.url);
	registry.publish(tarball);
	amplitude = await startAmplitudeSandbox();
	batch = await startBatchSandbox();
});

afterAll(async () => {
	await Promise.all([amplitude?.close(), batch?.close(), proxy?.stop(), registry?.stop()]);
	if (tarball) rmSync(path.dirname(tarball), { recursive: true, force: true });
	rmSync(workDir, { recursive: true, force: true });
});

/** Credentials and the example, imported before the package exists: what a user has when they install. */
async function importCredentialsAndExample(userFolder: string, env: Record<string, string> = {}): Promise<void> {
	const credentialsFile = path.join(workDir, 'credentials.json');
	writeFileSync(credentialsFile, JSON.stringify(sandboxCredentials(amplitude.url, batch.url)));
	const credentials = await runN8nCli(runtime, userFolder, ['import:credentials', `--input=${credentialsFile}`], env);
	expect(credentials.stdout + credentials.stderr).toMatch(/Successfully imported 3 credentials/);
	const workflowFile = path.join(workDir, 'workflow.json');
	writeFileSync(workflowFile, JSON.stringify([{ ...EXAMPLE, active: false }]));
	const workflow = await runN8nCli(runtime, userFolder, ['import:workflow', `--input=${workflowFile}`], env);
	expect(workflow.stdout + workflow.stderr).toMatch(/Successfully imported 1 workflow/);
}

describe('installing the package through n8n\'s community-packages endpoint', () => {
	let main: N8nInstance | undefined;
	let rest: Rest;
	const userFolder = mkdtempSync(path.join(tmpdir(), 'n8n-community-install-'));
	const installedDir = path.join(userFolder, '.n8n/nodes/node_modules', PACKAGE_NAME);

	beforeAll(async () => {
		await importCredentialsAndExample(userFolder);
		if (runtime.n8nMajor < 2) {
			// n8n 1.x runs `npm outdated` (the list's "update available") with PATH and NODE_PATH only, not its
			// environment: without this .npmrc in its nodes folder that npm would ask the real registry directly.
			mkdirSync(path.join(userFolder, '.n8n/nodes'), { recursive: true });
			writeFileSync(path.join(userFolder, '.n8n/nodes/.npmrc'), proxy.npmrc());
		}
		main = await startMain(runtime, userFolder, proxy.env());
		rest = await ownerRest(main.url!);
	});

	afterAll(async () => {
		await main?.stop();
		rmSync(userFolder, { recursive: true, force: true });
	});

	it('starts with no community package and none of our node types', async () => {
		expect(await rest.call('GET', '/rest/community-packages')).toEqual([]);
		expect(existsSync(installedDir)).toBe(false);
		expect(await ourNodeTypes(rest)).toEqual([]);
	});

	it('installs it from the registry as the Install button does', async () => {
		const installed = await rest.call<InstalledPackage>('POST', '/rest/community-packages', { name: PACKAGE_NAME, verify: false });
		expect(installed).toMatchObject({ packageName: PACKAGE_NAME, installedVersion: VERSION });
		expect(installed.installedNodes.map((node) => node.type).sort()).toEqual(expectedNodeTypes());
		// npm unpacked it into n8n's nodes folder, from the local registry and nowhere else.
		expect((JSON.parse(readFileSync(path.join(installedDir, 'package.json'), 'utf8')) as { version: string }).version).toBe(VERSION);
		expect(proxy.served).toContain(`GET /${PACKAGE_NAME}/-/${PACKAGE_NAME}-${VERSION}.tgz`);
		expect(proxy.refused.filter((request) => request.includes(NPMJS_HOST))).toEqual([]);
		// Only our package was asked for: n8n drops peerDependencies (n8n-workflow) before its `npm install`.
		expect(proxy.served.filter((request) => !request.startsWith(`GET /${PACKAGE_NAME}`))).toEqual([]);
	});

	it('lists the nodes in the node-types endpoint with their codex categories', async () => {
		const types = await ourNodeTypes(rest);
		expect(types.map((type) => type.name).sort()).toEqual(expectedNodeTypes());
		for (const type of types) {
			// The categories the source's codex file gives (nodes/<folder>/<Class>.node.json).
			const codex = JSON.parse(readFileSync(sourceCodexFile(type.className), 'utf8')) as { categories: string[] };
			expect(codex.categories.length).toBeGreaterThan(0);
			expect({ node: type.name, categories: type.codex?.categories }).toEqual({ node: type.name, categories: codex.categories });
		}
	});

	it('runs the example workflow with the installed nodes', async () => {
		batch.seedAppAudience(BATCH_SANDBOX_APP_KEY, { name: AUDIENCE, type: 'custom_ids', ids: ['stale-1'] });
		expect(await runWorkflow(rest, runtime, EXAMPLE.id)).toBe('success');
		expect(batch.appAudienceIds(BATCH_SANDBOX_APP_KEY, AUDIENCE)).toEqual(await identifiedUserIds(amplitude, EXAMPLE_COHORT_IDS.app));
	});

	it(`updates to ${NEXT_VERSION} through the same endpoint; credentials and the workflow survive and still run`, async () => {
		const folder = withVersion(tarball, NEXT_VERSION);
		try {
			registry.publish(folder);
		} finally {
			rmSync(folder, { recursive: true, force: true });
		}
		expect(await registry.versions(PACKAGE_NAME)).toEqual([VERSION, NEXT_VERSION]);
		const [listed] = await rest.call<InstalledPackage[]>('GET', '/rest/community-packages');
		expect(listed).toMatchObject({ packageName: PACKAGE_NAME, installedVersion: VERSION, updateAvailable: NEXT_VERSION });

		const updated = await rest.call<InstalledPackage>('PATCH', '/rest/community-packages', { name: PACKAGE_NAME, version: NEXT_VERSION });
		expect(updated).toMatchObject({ packageName: PACKAGE_NAME, installedVersion: NEXT_VERSION });
		expect((JSON.parse(readFileSync(path.join(installedDir, 'package.json'), 'utf8')) as { version: string }).version).toBe(NEXT_VERSION);
		expect(proxy.served).toContain(`GET /${PACKAGE_NAME}/-/${PACKAGE_NAME}-${NEXT_VERSION}.tgz`);

		const credentials = await rest.call<Array<{ id: string; type: string }>>('GET', '/rest/credentials');
		expect(credentials.map((credential) => credential.id).sort()).toEqual(Object.values(CREDENTIAL_IDS).sort());
		const workflow = await rest.call<{ nodes: Array<{ type: string }> }>('GET', `/rest/workflows/${EXAMPLE.id}`);
		expect(workflow.nodes.map((node) => node.type)).toEqual(EXAMPLE.nodes.map((node) => node.type));

		batch.seedAppAudience(BATCH_SANDBOX_APP_KEY, { name: AUDIENCE, type: 'custom_ids', ids: ['stale-2'] });
		expect(await runWorkflow(rest, runtime, EXAMPLE.id)).toBe('success');
		expect(batch.appAudienceIds(BATCH_SANDBOX_APP_KEY, AUDIENCE)).toEqual(await identifiedUserIds(amplitude, EXAMPLE_COHORT_IDS.app));
	});

	it('uninstalls it through the same endpoint', async () => {
		await rest.call('DELETE', `/rest/community-packages?name=${PACKAGE_NAME}`);
		expect(await rest.call('GET', '/rest/community-packages')).toEqual([]);
		expect(existsSync(installedDir)).toBe(false);
		expect(await ourNodeTypes(rest)).toEqual([]);
		// The workflow stays (n8n keeps workflows whose nodes are gone), as do the credentials.
		await rest.call('GET', `/rest/workflows/${EXAMPLE.id}`);
	});

	// n8n 1.x has no environment install: nothing in n8n 1.123.81 reads N8N_COMMUNITY_PACKAGES (see the README).
	const onN8n2 = /^1\./.test(process.env.N8N_VERSION ?? '') ? it.skip : it;
	onN8n2('installs it from N8N_COMMUNITY_PACKAGES at start (n8n 2.x: the Docker-style install)', async () => {
		expect(runtime.n8nMajor).toBeGreaterThanOrEqual(2);
		await main!.stop();
		main = await startMain(runtime, userFolder, {
			...proxy.env(),
			N8N_COMMUNITY_PACKAGES_MANAGED_BY_ENV: 'true',
			N8N_COMMUNITY_PACKAGES: JSON.stringify([{ name: PACKAGE_NAME, version: NEXT_VERSION }]),
		});
		rest = await ownerRest(main.url!, { setUp: false });
		const [installed] = await rest.call<InstalledPackage[]>('GET', '/rest/community-packages');
		expect(installed).toMatchObject({ packageName: PACKAGE_NAME, installedVersion: NEXT_VERSION });
		expect((await ourNodeTypes(rest)).map((type) => type.name).sort()).toEqual(expectedNodeTypes());
		batch.seedAppAudience(BATCH_SANDBOX_APP_KEY, { name: AUDIENCE, type: 'custom_ids', ids: ['stale-3'] });
		expect(await runWorkflow(rest, runtime, EXAMPLE.id)).toBe('success');
		expect(batch.appAudienceIds(BATCH_SANDBOX_APP_KEY, AUDIENCE)).toEqual(await identifiedUserIds(amplitude, EXAMPLE_COHORT_IDS.app));
	});
});

describe('installing it from the UI in queue mode', () => {
	let redis: RedisServer;
	let postgres: PostgresServer;
	let main: N8nInstance | undefined;
	let worker: N8nInstance | undefined;
	let rest: Rest;
	// One user folder per process, as on separate machines.
	const folders = { main: mkdtempSync(path.join(tmpdir(), 'n8n-community-main-')), worker: mkdtempSync(path.join(tmpdir(), 'n8n-community-worker-')) };
	const installedIn = (folder: string) => path.join(folder, '.n8n/nodes/node_modules', PACKAGE_NAME, 'package.json');
	let env: Record<string, string>;

	beforeAll(async () => {
		[redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
		env = {
			...proxy.env(),
			EXECUTIONS_MODE: 'queue',
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			QUEUE_BULL_REDIS_HOST: redis.host,
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: postgres.host,
			DB_POSTGRESDB_PORT: String(postgres.port),
			DB_POSTGRESDB_USER: postgres.user,
			DB_POSTGRESDB_PASSWORD: '',
			DB_POSTGRESDB_DATABASE: postgres.database,
			// The worker decrypts the credentials the main stored: both need the same key.
			N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
		};
		await importCredentialsAndExample(folders.main, env);
		main = await startMain(runtime, folders.main, env);
		worker = await startWorker(runtime, folders.worker, 'worker', env);
		rest = await ownerRest(main.url!);
	});

	afterAll(async () => {
		await Promise.all([main?.stop(), worker?.stop()]);
		await Promise.all([redis?.stop(), postgres?.stop()]);
		for (const folder of Object.values(folders)) rmSync(folder, { recursive: true, force: true });
	});

	it('installs it on the worker too (n8n tells its workers over Redis), which then runs the example', async () => {
		expect(existsSync(installedIn(folders.worker))).toBe(false);
		const installed = await rest.call<InstalledPackage>('POST', '/rest/community-packages', { name: PACKAGE_NAME, version: VERSION });
		expect(installed).toMatchObject({ packageName: PACKAGE_NAME, installedVersion: VERSION });
		expect((JSON.parse(readFileSync(installedIn(folders.main), 'utf8')) as { version: string }).version).toBe(VERSION);
		// The worker's own npm install, then its loading of the package (its log says when it is done).
		await waitFor('the worker to install the package', () => (worker!.output().includes(`Community package installed: ${PACKAGE_NAME}`) ? true : undefined), {
			timeoutMs: 60_000,
			intervalMs: 500,
			describe: () => worker!.output().slice(-3000),
		});
		expect((JSON.parse(readFileSync(installedIn(folders.worker), 'utf8')) as { version: string }).version).toBe(VERSION);

		batch.seedAppAudience(BATCH_SANDBOX_APP_KEY, { name: AUDIENCE, type: 'custom_ids', ids: ['stale-queue'] });
		const { status, executionId } = await runWorkflowWithId(rest, runtime, EXAMPLE.id);
		expect(status).toBe('success');
		expect(executionsStartedBy(worker!)).toContain(executionId);
		expect(batch.appAudienceIds(BATCH_SANDBOX_APP_KEY, AUDIENCE)).toEqual(await identifiedUserIds(amplitude, EXAMPLE_COHORT_IDS.app));
	});

	it('uninstalls it from the worker too', async () => {
		await rest.call('DELETE', `/rest/community-packages?name=${PACKAGE_NAME}`);
		expect(existsSync(installedIn(folders.main))).toBe(false);
		await waitFor('the worker to remove the package', () => (existsSync(installedIn(folders.worker)) ? undefined : true), {
			timeoutMs: 60_000,
			intervalMs: 500,
			describe: () => worker!.output().slice(-3000),
		});
	});
});

/** `<package>.<node name>` of every node the manifest lists. */
function expectedNodeTypes(): string[] {
	return manifestNodes
		.map((file) => path.basename(file, '.node.js'))
		.map((className) => `${PACKAGE_NAME}.${className.charAt(0).toLowerCase()}${className.slice(1)}`)
		.sort();
}

function sourceCodexFile(className: string): string {
	const file = readdirSync(path.join(REPO_ROOT, 'nodes'), { recursive: true, encoding: 'utf8' }).find(
		(entry) => path.basename(entry) === `${className}.node.json`,
	);
	if (!file) throw new Error(`no codex file ${className}.node.json under nodes/`);
	return path.join(REPO_ROOT, 'nodes', file);
}

interface NodeTypeDescription {
	name: string;
	className: string;
	codex?: { categories?: string[] };
}

/**
 * What n8n's node-types endpoint (the editor's source of node descriptions) says about each of our node types,
 * by full type name; a type n8n does not know is left out (the endpoint answers 400 "Unrecognized node type").
 */
async function ourNodeTypes(rest: Rest): Promise<NodeTypeDescription[]> {
	const found: NodeTypeDescription[] = [];
	for (const type of expectedNodeTypes()) {
		try {
			const [description] = await rest.call<NodeTypeDescription[]>('POST', '/rest/node-types', { nodeInfos: [{ name: type, version: 1 }] });
			const short = type.slice(PACKAGE_NAME.length + 1);
			found.push({ ...description, name: type, className: `${short.charAt(0).toUpperCase()}${short.slice(1)}` });
		} catch (error) {
			// 2.x answers 400, 1.x 500.
			if (!/answered (400|500): .*Unrecognized node type/.test((error as Error).message)) throw error;
		}
	}
	return found;
}

interface Rest {
	call<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
}

/** The owner's session (set up first on a fresh instance), as the editor holds it. */
async function ownerRest(url: string, { setUp = true } = {}): Promise<Rest> {
	const headers = { 'content-type': 'application/json', 'browser-id': 'community-install' };
	if (setUp) {
		// n8n 1.x answers its readiness check before its REST routes exist (a 404 for a few seconds).
		await waitFor(
			'the owner set-up',
			async () => {
				const setup = await fetch(`${url}/rest/owner/setup`, { method: 'POST', headers, body: JSON.stringify(OWNER) });
				if (setup.status === 404) return undefined;
				if (!setup.ok) throw new Error(`owner setup failed: ${setup.status} ${await setup.text()}`);
				return true;
			},
			{ timeoutMs: 60_000, intervalMs: 500 },
		);
	}
	const login = await fetch(`${url}/rest/login`, {
		method: 'POST',
		headers,
		body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
	});
	const cookie = /n8n-auth=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
	if (!login.ok || !cookie) throw new Error(`login failed: ${login.status} ${await login.text()}`);
	return {
		async call<T>(method: string, route: string, body?: unknown) {
			const res = await fetch(`${url}${route}`, {
				method,
				headers: { ...headers, cookie: `n8n-auth=${cookie}` },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			const text = await res.text();
			if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text.slice(0, 2000)}`);
			return (text ? (JSON.parse(text) as { data: T }).data : undefined) as T;
		},
	};
}

/** The editor's "Execute workflow" from the workflow's trigger; resolves with the execution's final status. */
async function runWorkflow(rest: Rest, runtime: N8nRuntime, workflowId: string): Promise<string> {
	return (await runWorkflowWithId(rest, runtime, workflowId)).status;
}

async function runWorkflowWithId(rest: Rest, runtime: N8nRuntime, workflowId: string): Promise<{ status: string; executionId: string }> {
	const trigger = EXAMPLE.nodes.find((node) => /trigger/i.test(node.type))!.name;
	const body =
		runtime.n8nMajor >= 2
			? { triggerToStartFrom: { name: trigger } }
			: { workflowData: await rest.call('GET', `/rest/workflows/${workflowId}`), triggerToStartFrom: { name: trigger } };
	const started = await rest.call<{ executionId?: string }>('POST', `/rest/workflows/${workflowId}/run`, body);
	if (!started.executionId) throw new Error(`the run started no execution: ${JSON.stringify(started)}`);
	const execution = await waitFor(
		`execution ${started.executionId} to finish`,
		async () => {
			const found = await rest.call<{ status: string; data?: string }>('GET', `/rest/executions/${started.executionId}`);
			return ['new', 'running', 'waiting', 'unknown'].includes(found.status) ? undefined : found;
		},
		{ timeoutMs: 120_000, intervalMs: 500 },
	);
	// A failed run's error messages (the data is n8n's "flatted" JSON: the messages appear as plain strings).
	const errors = execution.status === 'success' ? [] : [...(execution.data ?? '').matchAll(/"message":"([^"]*)"|"([^"]*(?:error|Error|failed|Unrecognized)[^"]*)"/g)].map((m) => m[1] ?? m[2]).slice(0, 10);
	return { status: errors.length ? `${execution.status}: ${errors.join(' | ')}` : execution.status, executionId: String(started.executionId) };
}

async function identifiedUserIds(sandbox: AmplitudeSandbox, cohortId: string): Promise<string[]> {
	const ids: string[] = [];
	for await (const member of sandbox.members(cohortId)) if (member.user_id) ids.push(member.user_id);
	return ids.sort();
}

function bumpPatch(version: string): string {
	const [major, minor, patch] = version.split('.').map(Number);
	return `${major}.${minor}.${patch + 1}`;
}
