/**
 * `npm run n8n`: a real n8n editor with this package installed as a community package, the sandboxes
 * running, sandbox credentials created and the example workflows imported. Open the printed URL.
 *   npm run n8n -- --port 5678
 *
 * `npm run dev` (`--watch`): the same, and every TypeScript change is rebuilt (tsc --watch on
 * tsconfig.build.json, then gulp's icons and codex files), packed and installed over the package in n8n's
 * user folder, which n8n reloads by itself (its N8N_DEV_RELOAD hot reload, on in development mode):
 * reopen the node in the editor to see the change. Codex or icon changes alone are picked up with the
 * next TypeScript change.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { OWNER, launchEditor } from './launch';
import { PACKAGE_NAME, REPO_ROOT } from './runtime';

/** n8n's hot reload of a package folder: development mode and N8N_DEV_RELOAD (what n8n-node dev sets). */
const HOT_RELOAD_ENV = { NODE_ENV: 'development', N8N_DEV_RELOAD: 'true' };

async function main() {
	const { values } = parseArgs({ options: { port: { type: 'string', default: '5678' }, watch: { type: 'boolean', default: false } } });
	console.log('Starting n8n (the first run installs it into a cache folder: several minutes)...');
	const editor = await launchEditor({ port: Number(values.port), env: values.watch ? HOT_RELOAD_ENV : {} });
	console.log(`
n8n editor:        ${editor.url}
  log in as        ${OWNER.email} / ${OWNER.password}
Amplitude sandbox: ${editor.amplitude.url}
Batch sandbox:     ${editor.batch.url}
Notifications:     ${editor.sink.url}
Example workflows: ${Object.entries(editor.workflowIds)
		.map(([file, id]) => `\n  ${editor.url}/workflow/${id}  (${file})`)
		.join('')}
Credentials "Amplitude sandbox", "Batch sandbox app" and "Batch sandbox project" point at the sandboxes.${
		values.watch ? '\nWatching nodes/ and credentials/: each rebuild is installed into n8n, which reloads it.' : ''
	}
Press Ctrl+C to stop.`);
	const stopWatching = values.watch ? watchAndReinstall(editor.userFolder) : () => undefined;
	const stop = async () => {
		stopWatching();
		await editor.stop();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

/** tsc --watch; after each clean compile (not the first: launchEditor just built), copy assets and reinstall. */
function watchAndReinstall(userFolder: string): () => void {
	const tsc = spawn(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput', '--pretty', 'false'], {
		cwd: REPO_ROOT,
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	let compiles = 0;
	createInterface({ input: tsc.stdout }).on('line', (line) => {
		if (/error TS\d+/.test(line)) console.log(line);
		const found = /Found (\d+) errors?/.exec(line);
		if (!found) return;
		compiles++;
		if (found[1] !== '0') return console.log(`[dev] ${found[1]} TypeScript error(s): n8n keeps the last good build`);
		if (compiles === 1) return;
		try {
			reinstallPackage(userFolder);
			console.log(`[dev] ${new Date().toISOString().slice(11, 19)} rebuilt and installed: n8n reloads the package`);
		} catch (error) {
			console.log(`[dev] reinstall failed: ${(error as Error).message}`);
		}
	});
	return () => tsc.kill('SIGTERM');
}

/**
 * Copies icons and codex files into dist/, packs the package and extracts it over the installed copy. Over,
 * not after deleting it: n8n watches the package folder, and a deleted folder would end the watch.
 */
function reinstallPackage(userFolder: string): void {
	execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/gulp'), ['build:assets', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
	const packDir = mkdtempSync(path.join(tmpdir(), 'n8n-dev-pack-'));
	try {
		const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: REPO_ROOT, encoding: 'utf8' })
			.trim()
			.split('\n')
			.pop()!;
		const target = path.join(userFolder, '.n8n/nodes/node_modules', PACKAGE_NAME);
		execFileSync('tar', ['-xzf', path.join(packDir, tarball), '-C', target, '--strip-components=1']);
	} finally {
		rmSync(packDir, { recursive: true, force: true });
	}
}

main().catch((error: Error) => {
	console.error(error.stack ?? error.message);
	process.exit(1);
});
