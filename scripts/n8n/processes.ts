/**
 * Child processes the end-to-end tests start (n8n main and workers, Redis, Postgres): each one is stopped by
 * its own pid when the test ends, and killed when the test process exits any other way (a failed assertion,
 * a Jest timeout, Ctrl+C), so no n8n or database outlives its test.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunningProcess {
	name: string;
	child: ChildProcess;
	/** Everything it printed so far (stdout and stderr). */
	output(): string;
	/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
	stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
const exitCleanups = new Set<() => void>();
let exitHookInstalled = false;

/** A synchronous last resort run if the test process exits with this still running; returns its remover. */
export function onExitCleanup(cleanup: () => void): () => void {
	installExitHook();
	exitCleanups.add(cleanup);
	return () => exitCleanups.delete(cleanup);
}

function installExitHook(): void {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	process.on('exit', () => {
		for (const cleanup of exitCleanups) {
			try {
				cleanup();
			} catch {
				// best effort
			}
		}
		for (const child of running) {
			try {
				child.kill('SIGKILL');
			} catch {
				// already gone
			}
		}
	});
}

/** Starts a tracked child; its output is kept for assertions and error messages. */
export function startProcess(
	name: string,
	command: string,
	args: string[],
	options: { env?: NodeJS.ProcessEnv; cwd?: string; onOutput?: (text: string) => void } = {},
): RunningProcess {
	installExitHook();
	const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
	running.add(child);
	let output = '';
	const collect = (chunk: Buffer) => {
		const text = chunk.toString();
		output += text;
		options.onOutput?.(text);
	};
	child.stdout!.on('data', collect);
	child.stderr!.on('data', collect);
	const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
	child.once('close', () => running.delete(child));
	child.once('error', (error) => {
		output += `\n[${name}] failed to start: ${error.message}\n`;
	});
	return {
		name,
		child,
		output: () => output,
		stop: async (graceMs = 10_000) => {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
			await exited;
			clearTimeout(timer);
		},
	};
}

/** Waits until `check` returns a value (not undefined), polling; fails with `describe()` after `timeoutMs`. */
export async function waitFor<T>(
	what: string,
	check: () => Promise<T | undefined> | T | undefined,
	{ timeoutMs = 60_000, intervalMs = 250, describe }: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {},
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value !== undefined) return value;
		} catch (error) {
			lastError = error;
		}
		if (Date.now() > deadline) {
			const detail = describe ? `\n${describe()}` : '';
			const cause = lastError ? `\nlast error: ${(lastError as Error).message}` : '';
			throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}${detail}`);
		}
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}
