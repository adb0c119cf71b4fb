/**
 * Memory of another process (the n8n main process of the real-n8n bench), from /proc/<pid>/status:
 * VmRSS now, VmHWM its peak since start or since the last reset. Writing 5 to /proc/<pid>/clear_refs
 * resets the peak to the current RSS (Linux ≥ 4.0), so a run's peak is not its start-up's.
 */
import { readFileSync, writeFileSync } from 'node:fs';

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
	const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
	return Number(match[1]);
}

export const rssMbOf = (pid: number) => statusKb(pid, 'VmRSS') / 1024;
export const peakRssMbOf = (pid: number) => statusKb(pid, 'VmHWM') / 1024;

/** Resets the process's VmHWM to its current RSS; false where the kernel refuses (the peak then counts from start). */
export function resetPeakRss(pid: number): boolean {
	try {
		writeFileSync(`/proc/${pid}/clear_refs`, '5');
		return peakRssMbOf(pid) <= rssMbOf(pid) + 1;
	} catch {
		return false;
	}
}
