/**
 * The commands the README gives, run as a user runs them (plain ts-node, not jest's module loader), on
 * small inputs: the main job, and each benchmark. They load the nodes through the same harness as the
 * tests, but by Node's own resolution, which jest's does not exercise.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Real-service keys would switch the demo away from the sandboxes. */
const REAL_KEYS = ['AMPLITUDE_API_KEY', 'AMPLITUDE_SECRET_KEY', 'AMPLITUDE_COHORT_ID', 'BATCH_REST_API_KEY', 'BATCH_PROJECT_KEY', 'BATCH_AUDIENCE'];

function run(args: string[]): { status: number | null; output: string } {
	const env = { ...process.env };
	for (const name of REAL_KEYS) delete env[name];
	const result = spawnSync('npm', ['run', '--silent', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 110_000 });
	return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('README commands', () => {
	it('npm run demo syncs the sandbox cohort twice and finds the audience equal to the cohort', () => {
		const { status, output } = run(['demo']);
		expect(output).toContain('exactly the cohort');
		expect(status).toBe(0);
	});

	it('npm run bench -- --quick checks every case against the cohort and prints the table', () => {
		const { status, output } = run(['bench', '--', '--quick', '--no-resync']);
		expect(output).toMatch(/\| n8n, binary \| 100,000 \|/);
		expect(status).toBe(0);
	});

	it('the Amplitude and Batch benchmarks run', () => {
		const amplitude = run(['bench:amplitude', '--', '--sizes', '1000', '--formats', 'compact']);
		expect(amplitude.output).toMatch(/compact\s+1000\s+1\s/);
		expect(amplitude.status).toBe(0);
		const batch = run(['bench:batch', '--', '100k csv']);
		expect(batch.output).toMatch(/100k csv \| 100000 \| ok/);
		expect(batch.status).toBe(0);
	});
});
