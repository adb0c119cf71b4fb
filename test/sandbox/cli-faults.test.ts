/** `npm run sandbox` fault flags as a user types them: a throttling storm, and error answers that echo the credentials. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Starts the sandbox CLI with `args` and resolves with the addresses it prints. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; amplitude: string; batch: string; output: () => string }> {
	const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/ts-node/dist/bin.js'), '--transpile-only', 'sandbox/cli.ts', ...args], {
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let text = '';
	child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
	const started = Date.now();
	while (!text.includes('Press Ctrl+C')) {
		if (Date.now() - started > 60_000 || child.exitCode !== null) throw new Error(`the sandbox did not start: ${text}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	const amplitude = /URL:\s+(http:\/\/\S+)/.exec(text)?.[1] ?? '';
	const batch = /Batch sandbox listening on (http:\/\/\S+)/.exec(text)?.[1] ?? '';
	return { child, amplitude, batch, output: () => text };
}

async function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill('SIGTERM');
	await exited;
}

describe('sandbox command-line fault flags', () => {
	it('--storm 3:1 answers 429 with Retry-After: 1 to the next 3 requests, then serves', async () => {
		const cli = await startCli(['--storm', '3:1']);
		try {
			expect(cli.output()).toContain('"rateLimit":{"next":3,"retryAfterSeconds":1}');
			const call = () => fetch(`${cli.batch}/1.0/sandbox-batch-app-key/custom-audience`, { headers: { 'x-authorization': 'sandbox-batch-rest-key' } });
			const answers = [];
			for (let i = 0; i < 4; i++) {
				const response = await call();
				answers.push([response.status, response.headers.get('retry-after')]);
			}
			expect(answers).toEqual([
				[429, '1'],
				[429, '1'],
				[429, '1'],
				[200, null],
			]);
		} finally {
			await stop(cli.child);
		}
	}, 90_000);

	it('--echo-credentials-next 2 answers 401 with a body (and reason phrase) quoting the credentials sent', async () => {
		const cli = await startCli(['--echo-credentials-next', '2']);
		try {
			const basic = Buffer.from('my-api-key:my-secret').toString('base64');
			const amplitude = await fetch(`${cli.amplitude}/api/3/cohorts`, { headers: { authorization: `Basic ${basic}` } });
			expect(amplitude.status).toBe(401);
			expect(await amplitude.text()).toContain('Invalid credentials: my-api-key:my-secret');
			const batch = await fetch(`${cli.batch}/1.0/my-app-key/custom-audience`, { headers: { 'x-authorization': 'my-rest-key' } });
			expect(batch.status).toBe(401);
			expect(batch.statusText).toContain('my-rest-key');
			const body = await batch.text();
			expect(body).toContain('my-rest-key');
			expect(body).toContain('my-app-key');
		} finally {
			await stop(cli.child);
		}
	}, 90_000);
});
