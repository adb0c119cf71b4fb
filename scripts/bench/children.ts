/**
 * Starting the measured processes. Each measurement gets a fresh process so its peak RSS is its own.
 * Both sides are compiled to plain JavaScript first and run by bare `node`, as n8n runs a community
 * package from its dist/: no TypeScript loader weighs on either side's time or memory.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

import type { FloorConfig, FloorResult } from '../bench-floor';
import type { NodeChildConfig, NodeChildResult } from './node-child';

export interface ChildOptions {
	/** Write a V8 CPU profile of the child here. */
	cpuProfileDir?: string;
	env?: NodeJS.ProcessEnv;
	/** The `node` binary to run the child with (default: this process's); the real-n8n bench uses n8n's. */
	nodePath?: string;
}

function runChild<T>(args: string[], marker: string, options: ChildOptions): Promise<T> {
	const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
	return new Promise((resolve, reject) => {
		// Asynchronous on purpose: this process serves the sandboxes while the child runs.
		const child = spawn(options.nodePath ?? process.execPath, [...profile, ...args], {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, N8N_LOG_LEVEL: 'warn', ...options.env },
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => {
			const line = stdout.split('\n').find((text) => text.startsWith(`${marker} `));
			if (code !== 0 || !line) reject(new Error(`${marker} child exited with ${code}:\n${(stdout + stderr).slice(-3000)}`));
			else resolve(JSON.parse(line.slice(marker.length + 1)) as T);
		});
	});
}

export function runNodeChild(compiledNodeChild: string, config: NodeChildConfig, options: ChildOptions = {}): Promise<NodeChildResult> {
	return runChild(['--expose-gc', compiledNodeChild, JSON.stringify(config)], 'NODE-RESULT', options);
}

const REPO = path.resolve(__dirname, '..', '..');

function transpile(source: string, target: string): void {
	const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true },
		fileName: source,
	});
	mkdirSync(path.dirname(target), { recursive: true });
	writeFileSync(target, outputText);
}

/** Compiles scripts/bench-floor.ts to one JavaScript file in `dir` (it imports only Node built-ins). */
export function compileFloor(dir: string): string {
	const file = path.join(dir, 'bench-floor.js');
	transpile(path.join(REPO, 'scripts', 'bench-floor.ts'), file);
	return file;
}

/** What the n8n child loads: our nodes and credentials, the engine harness, the child itself. */
const NODE_CHILD_SOURCES = ['nodes', 'credentials', 'test/harness', 'scripts/bench'];

/**
 * Compiles the n8n child and everything it loads to JavaScript in `dir`, which must sit inside the
 * repository so that `node_modules` (n8n-core, n8n-workflow) resolves from it. Returns the entry point.
 */
export function compileNodeChild(dir: string): string {
	rmSync(dir, { recursive: true, force: true });
	for (const folder of NODE_CHILD_SOURCES) {
		for (const entry of readdirSync(path.join(REPO, folder), { recursive: true, withFileTypes: true })) {
			if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
			const source = path.join(entry.parentPath, entry.name);
			transpile(source, path.join(dir, path.relative(REPO, source)).replace(/\.ts$/, '.js'));
		}
	}
	// The harness reads the package manifest to find the nodes.
	copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
	return path.join(dir, 'scripts', 'bench', 'node-child.js');
}

export function runFloorChild(compiledFloor: string, config: FloorConfig, options: ChildOptions = {}): Promise<FloorResult> {
	return runChild([compiledFloor, JSON.stringify(config)], 'FLOOR-RESULT', options);
}
