/**
 * Redis and PostgreSQL for n8n's queue mode, each in its own temporary folder on a free loopback port,
 * from the machine's own packages (Debian: `apt-get install redis-server postgresql`). Postgres refuses to
 * run as root: as root, its folder is given to the `postgres` user and its commands run through `runuser`.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { onExitCleanup, startProcess, waitFor, type RunningProcess } from './processes';
import { freePort } from './runtime';

const run = promisify(execFile);

export interface RedisServer {
	host: string;
	port: number;
	stop(): Promise<void>;
}

export interface PostgresServer {
	host: string;
	port: number;
	user: string;
	database: string;
	/** Rows of a query, as JSON objects (columns by name). */
	query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
	stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

export function commandExists(command: string): boolean {
	return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(path.join(dir, command)));
}

export async function startRedis(): Promise<RedisServer> {
	if (!commandExists('redis-server')) throw new Error('redis-server not found: install it (Debian: apt-get install redis-server)');
	const dir = mkdtempSync(path.join(tmpdir(), 'n8n-redis-'));
	const port = await freePort();
	const redis = startProcess('redis', 'redis-server', [
		'--port', String(port),
		'--bind', '127.0.0.1',
		'--dir', dir,
		'--save', '',
		'--appendonly', 'no',
		'--daemonize', 'no',
	]);
	await waitFor('Redis to accept connections', async () => ((await portOpen(port)) ? true : undefined), {
		timeoutMs: 20_000,
		describe: redis.output,
	});
	return {
		host: '127.0.0.1',
		port,
		stop: async () => {
			await redis.stop(5000);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** The newest PostgreSQL server binaries installed (Debian keeps them out of PATH). */
export function postgresBinDir(): string {
	const root = '/usr/lib/postgresql';
	if (existsSync(root)) {
		const versions = readdirSync(root)
			.filter((version) => existsSync(path.join(root, version, 'bin/initdb')))
			.sort((a, b) => Number(b) - Number(a));
		if (versions.length > 0) return path.join(root, versions[0], 'bin');
	}
	if (commandExists('initdb')) return path.dirname(process.env.PATH!.split(':').map((dir) => path.join(dir, 'initdb')).find(existsSync)!);
	throw new Error('PostgreSQL server not found: install it (Debian: apt-get install postgresql)');
}

export async function startPostgres(database = 'n8n'): Promise<PostgresServer> {
	const bin = postgresBinDir();
	const dir = mkdtempSync(path.join(tmpdir(), 'n8n-postgres-'));
	const dataDir = path.join(dir, 'data');
	const asRoot = userInfo().uid === 0;
	if (asRoot) {
		const { stdout } = await run('id', ['-u', 'postgres']);
		const { stdout: gid } = await run('id', ['-g', 'postgres']);
		chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
	}
	// As root, every server command runs as the `postgres` user (initdb and postgres refuse root).
	const asServerUser = (command: string, args: string[]): [string, string[]] =>
		asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
	const user = 'postgres';
	const [initCommand, initArgs] = asServerUser(path.join(bin, 'initdb'), ['-D', dataDir, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync']);
	await run(initCommand, initArgs);

	const port = await freePort();
	const [serverCommand, serverArgs] = asServerUser(path.join(bin, 'postgres'), [
		'-D', dataDir,
		'-p', String(port),
		'-k', dir,
		'-c', 'listen_addresses=127.0.0.1',
		// A throwaway database: no durability needed, and less disk work on a shared machine.
		'-c', 'fsync=off',
		'-c', 'synchronous_commit=off',
		'-c', 'full_page_writes=off',
	]);
	const server: RunningProcess = startProcess('postgres', serverCommand, serverArgs);
	const psql = async (db: string, sql: string) =>
		(await run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], { maxBuffer: 64 * 1024 * 1024 })).stdout;
	// `runuser` may not pass a signal on: stop the postmaster itself, by the pid it wrote.
	const killPostmaster = () => {
		const pidFile = path.join(dataDir, 'postmaster.pid');
		if (!existsSync(pidFile)) return;
		const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
		try {
			process.kill(pid, 'SIGQUIT'); // immediate shutdown: nothing here needs to survive
		} catch {
			// already gone
		}
	};
	const removeExitCleanup = onExitCleanup(killPostmaster);
	const stopServer = async () => {
		killPostmaster();
		await server.stop(10_000);
		removeExitCleanup();
	};
	try {
		await waitFor('Postgres to accept connections', async () => ((await psql('postgres', 'select 1')).trim() === '1' ? true : undefined), {
			timeoutMs: 30_000,
			describe: server.output,
		});
		await psql('postgres', `create database ${database}`);
	} catch (error) {
		await stopServer();
		rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	return {
		host: '127.0.0.1',
		port,
		user,
		database,
		async query<T>(sql: string): Promise<T[]> {
			const text = await psql(database, `select coalesce(json_agg(q), '[]'::json) from (${sql}) q`);
			return JSON.parse(text) as T[];
		},
		stop: async () => {
			await stopServer();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
