/**
 * Starting the measured processes. Each measurement gets a fresh process so its peak RSS is its own.
 * The n8n side needs ts-node (the harness loads the nodes' TypeScript); the floor is compiled to plain
 * JavaScript once and run by bare `node`, so it carries nothing but its own work.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

import type { FloorConfig, FloorResult } from '../bench-floor';
import type { NodeChildConfig, NodeChildResult } from './node-child';

export interface ChildOptions {
	/** Write a V8 CPU profile of the child here. */
	cpuProfileDir?: string;
	env?: NodeJS.ProcessEnv;
}

function runChild<T>(args: string[], marker: string, options: ChildOptions): Promise<T> {
	const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
	return new Promise((resolve, reject) => {
		// Asynchronous on purpose: this process serves the sandboxes while the child runs.
		const child = spawn(process.execPath, [...profile, ...args], {
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

export function runNodeChild(config: NodeChildConfig, options: ChildOptions = {}): Promise<NodeChildResult> {
	const entry = path.join(__dirname, 'node-child.ts');
	return runChild(['--expose-gc', '-r', 'ts-node/register/transpile-only', entry, JSON.stringify(config)], 'NODE-RESULT', options);
}

/** Compiles scripts/bench-floor.ts to one JavaScript file in `dir` (it imports only Node built-ins). */
export function compileFloor(dir: string): string {
	const source = readFileSync(path.join(__dirname, '..', 'bench-floor.ts'), 'utf8');
	const { outputText } = ts.transpileModule(source, {
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true },
	});
	mkdirSync(dir, { recursive: true });
	const file = path.join(dir, 'bench-floor.js');
	writeFileSync(file, outputText);
	return file;
}

export function runFloorChild(compiledFloor: string, config: FloorConfig, options: ChildOptions = {}): Promise<FloorResult> {
	return runChild([compiledFloor, JSON.stringify(config)], 'FLOOR-RESULT', options);
}
