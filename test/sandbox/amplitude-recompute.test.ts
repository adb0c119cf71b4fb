/** The Amplitude sandbox recomputes cohorts: a settable lastComputed that moves, members that churn, and the CLI's interval. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { AMPLITUDE_SANDBOX_API_KEY, AMPLITUDE_SANDBOX_SECRET_KEY, startAmplitudeSandbox } from '../../sandbox/amplitude';

const ROOT = path.resolve(__dirname, '../..');
const authorization = `Basic ${Buffer.from(`${AMPLITUDE_SANDBOX_API_KEY}:${AMPLITUDE_SANDBOX_SECRET_KEY}`).toString('base64')}`;

async function listed(url: string): Promise<Record<string, { lastComputed: number; size: number }>> {
	const { cohorts } = (await (await fetch(`${url}/api/3/cohorts`, { headers: { authorization } })).json()) as {
		cohorts: Array<{ id: string; lastComputed: number; size: number }>;
	};
	return Object.fromEntries(cohorts.map((cohort) => [cohort.id, cohort]));
}

describe('recompute', () => {
	it('moves lastComputed to the given time, changes members only of cohorts with churn, and can set a new size', async () => {
		const sb = await startAmplitudeSandbox();
		try {
			const members = async (id: string) => {
				const ids: string[] = [];
				for await (const member of sb.members(id)) ids.push(member.amplitude_id);
				return ids;
			};
			const before = await listed(sb.url);
			const [small, weekly] = [await members('abc123'), await members('mno345')];
			expect(sb.recompute({ ids: ['abc123', 'mno345', 'nope'], at: Date.UTC(2026, 10, 1, 12) })).toEqual(['abc123', 'mno345']);
			const after = await listed(sb.url);
			expect(after.abc123.lastComputed).toBe(Date.UTC(2026, 10, 1, 12) / 1000);
			expect(after.mno345.lastComputed).toBe(Date.UTC(2026, 10, 1, 12) / 1000);
			expect(after.def456.lastComputed).toBe(before.def456.lastComputed);
			expect(await members('abc123')).toEqual(small);
			expect(await members('mno345')).not.toEqual(weekly);
			expect(after.mno345.size).toBe(before.mno345.size);

			sb.recompute({ ids: ['abc123'], size: 30 });
			const resized = await listed(sb.url);
			expect(resized.abc123.size).toBe(30);
			expect(resized.abc123.lastComputed).toBeGreaterThan(after.abc123.lastComputed);
			expect(sb.recompute()).toEqual(Object.keys(after));
		} finally {
			await sb.close();
		}
	});

	it('npm run sandbox -- --recompute-every S recomputes every cohort every S seconds', async () => {
		const child: ChildProcess = spawn(
			process.execPath,
			[path.join(ROOT, 'node_modules/ts-node/dist/bin.js'), '--transpile-only', 'sandbox/cli.ts', '--recompute-every', '1'],
			{ cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
		);
		let text = '';
		child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
		child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
		try {
			const started = Date.now();
			while (!text.includes('Press Ctrl+C')) {
				if (Date.now() - started > 60_000 || child.exitCode !== null) throw new Error(`the sandbox did not start: ${text}`);
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			const url = /URL:\s+(http:\/\/\S+)/.exec(text)![1];
			const first = await listed(url);
			while (!text.includes('recomputed abc123')) {
				if (Date.now() - started > 60_000) throw new Error(`no recomputation: ${text}`);
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
			const second = await listed(url);
			expect(second.abc123.lastComputed).toBeGreaterThan(first.abc123.lastComputed);
			expect(second.mno345.lastComputed).toBeGreaterThan(first.mno345.lastComputed);
		} finally {
			if (child.exitCode === null) {
				const exited = new Promise((resolve) => child.once('exit', resolve));
				child.kill('SIGTERM');
				await exited;
			}
		}
	}, 90_000);

	it('rejects an interval that is not a number of seconds above 0', async () => {
		const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/ts-node/dist/bin.js'), '--transpile-only', 'sandbox/cli.ts', '--recompute-every', 'often'], {
			cwd: ROOT,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let text = '';
		child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
		const code = await new Promise((resolve) => child.once('exit', resolve));
		expect(code).toBe(1);
		expect(text).toContain('--recompute-every expects a number of seconds above 0');
	}, 90_000);
});
