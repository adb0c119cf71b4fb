/**
 * Figures about the code's shape, for reviews of its structure: how many files live under nodes/, what an
 * Upsert's operation file reaches through its imports, and the longest chain of files an Upsert enters at
 * run time (from the call stacks of its HTTP requests, one Replace per node type against the sandbox).
 *
 *   npm run structure
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import axios from 'axios';

import { startBatchSandbox } from '../sandbox/batch';
import { runWorkflow, type WorkflowJson } from '../test/harness/workflow-runner';

const ROOT = path.resolve(__dirname, '..');
const NODES = path.join(ROOT, 'nodes');
const UPSERT = path.join(NODES, 'Batch', 'actions', 'audience', 'upsert.operation.ts');

function filesUnder(folder: string): string[] {
	return readdirSync(folder).flatMap((name) => {
		const full = path.join(folder, name);
		return statSync(full).isDirectory() ? filesUnder(full) : [full];
	});
}

/** The files a TypeScript file reaches through its relative imports (type-only imports included). */
function importClosure(entry: string): string[] {
	const seen = new Set<string>();
	const visit = (file: string) => {
		if (seen.has(file)) return;
		seen.add(file);
		const source = readFileSync(file, 'utf8');
		for (const match of source.matchAll(/from\s+'(\.[^']+)'/g)) {
			const target = path.resolve(path.dirname(file), match[1]);
			const candidates = [`${target}.ts`, path.join(target, 'index.ts')];
			const found = candidates.find((candidate) => {
				try {
					return statSync(candidate).isFile();
				} catch {
					return false;
				}
			});
			if (found) visit(found);
		}
	};
	visit(entry);
	return [...seen];
}

const lineCount = (file: string) => readFileSync(file, 'utf8').split('\n').length - 1;

/** The files of nodes/ in a call stack, outermost first, with repeats of the same file in a row merged. */
function chainOf(stack: string): string[] {
	const files = [...stack.matchAll(/\((\/[^():]+\.ts):\d+:\d+\)|at (?:async )?(\/[^():]+\.ts):\d+:\d+/g)]
		.map((match) => match[1] ?? match[2])
		.filter((file) => file.startsWith(NODES))
		.map((file) => path.relative(ROOT, file))
		.reverse();
	return files.filter((file, at) => at === 0 || files[at - 1] !== file);
}

function upsertWorkflow(type: 'batch' | 'batchProfile', credential: string): WorkflowJson {
	return {
		nodes: [
			{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: '2',
				name: 'Sync',
				type: `n8n-nodes-amplitude-batch.${type}`,
				typeVersion: 1,
				position: [200, 0],
				parameters: {
					operation: 'upsert',
					audience: { __rl: true, mode: 'name', value: `structure_${type}` },
					mode: 'replace',
					identifierSource: 'listField',
					listField: 'userIds',
				},
				credentials: { [credential]: { id: '1', name: 'batch' } },
			},
		],
		connections: { Start: { main: [[{ node: 'Sync', type: 'main', index: 0 }]] } },
	};
}

async function longestRunTimeChain(): Promise<string[]> {
	Error.stackTraceLimit = 200;
	let longest: string[] = [];
	// A synchronous interceptor runs inside the request call, so its stack holds the node's callers.
	const interceptor = axios.interceptors.request.use(
		(config) => {
			const chain = chainOf(new Error().stack ?? '');
			if (chain.length > longest.length) longest = chain;
			return config;
		},
		undefined,
		{ synchronous: true },
	);
	const sandbox = await startBatchSandbox();
	try {
		const triggerItems = [{ json: { userIds: ['a', 'b', 'c'] } }];
		const app = { batchApi: { apiKey: sandbox.appKeys[0], restApiKey: sandbox.restApiKey, baseUrl: sandbox.url } };
		const project = { batchProfileApi: { projectApiKey: sandbox.projectKeys[0], restApiKey: sandbox.restApiKey, baseUrl: sandbox.url } };
		for (const [type, credentials] of [['batch', app], ['batchProfile', project]] as const) {
			const result = await runWorkflow(upsertWorkflow(type, Object.keys(credentials)[0]), { credentials, triggerItems });
			if (result.status !== 'success') throw new Error(`The ${type} Upsert failed: ${result.error?.message}`);
		}
	} finally {
		axios.interceptors.request.eject(interceptor);
		await sandbox.close();
	}
	return longest;
}

async function main() {
	const nodeFiles = filesUnder(NODES);
	const closure = importClosure(UPSERT);
	const chain = await longestRunTimeChain();
	console.log(`files under nodes/: ${nodeFiles.length} (${nodeFiles.filter((file) => file.endsWith('.ts')).length} .ts)`);
	console.log(`Upsert operation file reaches through imports: ${closure.length} files, ${closure.reduce((sum, file) => sum + lineCount(file), 0)} lines`);
	console.log(`longest run-time call chain of an Upsert: ${chain.length} files entered`);
	for (const file of chain) console.log(`  ${file}`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
