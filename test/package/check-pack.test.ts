/**
 * scripts/check-pack.js, the gate `.ci/run` puts on `npm pack`: every node listed in package.json ships
 * with its icons and its codex file, and nothing but dist/, README, LICENSE and package.json ships.
 * Listings are built from the repository's own sources, as a correct build would pack them.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const { packProblems, iconOf } = require('../../scripts/check-pack.js') as {
	packProblems(pack: Pack, manifest: unknown, iconOf: (file: string) => unknown): string[];
	iconOf(root: string, file: string): unknown;
};

interface Pack {
	files: Array<{ path: string }>;
	size: number;
}

const ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[]; credentials: string[] } };

function walk(dir: string): string[] {
	return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? walk(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`],
	);
}

/** What a correct build packs: compiled sources, icons and codex files under dist/, and the top-level files. */
function correctListing(): Pack {
	const built = [...walk('nodes'), ...walk('credentials')].flatMap((file) => {
		if (file.endsWith('.ts')) return [`dist/${file.replace(/\.ts$/, '.js')}`];
		if (/\.(svg|png)$/.test(file) || file.endsWith('.node.json')) return [`dist/${file}`];
		return [];
	});
	return { files: ['package.json', 'README.md', 'LICENSE', ...built].map((file) => ({ path: file })), size: 1 };
}

const without = (pack: Pack, file: string): Pack => ({ ...pack, files: pack.files.filter((entry) => entry.path !== file) });
const problemsOf = (pack: Pack) => packProblems(pack, manifest, (file) => iconOf(ROOT, file));

function runCli(pack: Pack) {
	return spawnSync('node', [path.join(ROOT, 'scripts/check-pack.js')], { input: JSON.stringify([pack]), encoding: 'utf8' });
}

describe('check-pack', () => {
	it('passes a listing with every node, icon and codex file', () => {
		expect(problemsOf(correctListing())).toEqual([]);
		const cli = runCli(correctListing());
		expect(cli.stderr).toBe('');
		expect(cli.status).toBe(0);
	});

	it('fails when a listed node misses its codex file, naming it', () => {
		for (const node of manifest.n8n.nodes) {
			const codex = node.replace(/\.js$/, '.json');
			expect(problemsOf(without(correctListing(), codex))).toEqual([`node ${node}: its codex ${codex} is not in the package`]);
		}
		const cli = runCli(without(correctListing(), 'dist/nodes/Amplitude/Amplitude.node.json'));
		expect(cli.status).toBe(1);
		expect(cli.stderr).toContain('its codex dist/nodes/Amplitude/Amplitude.node.json is not in the package');
	});

	it('fails when a node misses its light or its dark icon', () => {
		const light = problemsOf(without(correctListing(), 'dist/nodes/Batch/batch.svg'));
		expect(light).toContain('node dist/nodes/Batch/Batch.node.js: its icon dist/nodes/Batch/batch.svg is not in the package');
		const dark = problemsOf(without(correctListing(), 'dist/nodes/Batch/batchProfile.dark.svg'));
		expect(dark).toContain(
			'node dist/nodes/Batch/BatchProfile.node.js: its icon dist/nodes/Batch/batchProfile.dark.svg is not in the package',
		);
	});

	it('reads light and dark icons of every listed node and credential', () => {
		for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) {
			expect(iconOf(ROOT, file)).toEqual({ light: expect.stringMatching(/^file:.+\.svg$/), dark: expect.stringMatching(/^file:.+\.dark\.svg$/) });
		}
	});

	it('fails when a listed node is not in the package, or something outside dist/ is', () => {
		expect(problemsOf(without(correctListing(), 'dist/nodes/Batch/Batch.node.js'))).toEqual([
			'node dist/nodes/Batch/Batch.node.js (package.json n8n.nodes) is not in the package',
		]);
		const withSandbox = { ...correctListing(), files: [...correctListing().files, { path: 'sandbox/batch.ts' }] };
		expect(problemsOf(withSandbox)).toEqual(['npm pack would ship files it must not: sandbox/batch.ts']);
	});
});
