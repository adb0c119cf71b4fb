/** Resident memory of this process: the true peak (VmHWM) and a sampler for the peak within one run. */
import { readFileSync } from 'node:fs';

const MB = 2 ** 20;

/** VmHWM, the kernel's high-water mark of the resident set: a peak no sampling can miss. */
export function peakRssMb(): number {
	const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
	return match ? Number(match[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

export function currentRssMb(): number {
	return process.memoryUsage.rss() / MB;
}

/** Samples RSS every few milliseconds; a synchronous stretch can hide a short peak, which VmHWM still shows. */
export function startRssSampler(everyMs = 10): { stop(): number } {
	let peak = process.memoryUsage.rss();
	const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
	return {
		stop() {
			clearInterval(timer);
			return Math.max(peak, process.memoryUsage.rss()) / MB;
		},
	};
}
