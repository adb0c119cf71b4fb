/**
 * CPU time of another process (the n8n main process of the real-n8n bench), from /proc/<pid>/stat: user
 * plus system time of all its threads (its garbage collector's and its thread pool's included), so a
 * run's cost can be compared when the wall clock is noisy (a shared machine).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

export function cpuMsOf(pid: number): number {
	ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
	// Fields after the command name (which may hold spaces, inside parentheses): utime and stime are the 12th and 13th.
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}
