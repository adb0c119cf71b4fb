/**
 * Watches one download of an export file: gives up when no byte has come for the idle timeout, and
 * checks the byte count against Content-Length where the bytes read are the bytes sent. Both failures
 * are DownloadIncompleteError, which the reader answers by downloading again from a fresh link.
 *
 * The per-chunk cost is one timestamp and one promise; the clock is read by a coarse watchdog
 * (n8n-workflow's sleep, as nodes may not use timers directly), never per byte.
 */
import { sleep } from 'n8n-workflow';

import { startsWithGzipMagic } from '../../shared/csv';

/** A download that ended (or stopped) before the whole file came. Worth another download. */
export class DownloadIncompleteError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'DownloadIncompleteError';
	}
}

export interface DownloadGuardSettings {
	/** Give up when the server sends nothing for this long. */
	idleTimeoutMs: number;
	/** The Content-Length header, if the answer had one. */
	contentLength?: number;
	/** Closes the connection when the download is given up (best effort). */
	abort?: () => void;
}

/** An export download: its bytes, and the stream n8n's HTTP client gave (its class makes readables). */
export interface GuardedDownload extends AsyncIterable<Uint8Array> {
	readonly source: unknown;
}

export function guardDownload(source: AsyncIterable<Uint8Array>, settings: DownloadGuardSettings): GuardedDownload {
	return {
		source,
		[Symbol.asyncIterator]: () => guarded(source, settings),
	};
}

export function contentLengthOf(headers: Record<string, unknown>): number | undefined {
	const raw = headers['content-length'] ?? headers['Content-Length'];
	const value = Number(Array.isArray(raw) ? raw[0] : raw);
	return raw !== undefined && raw !== '' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function formatIdle(ms: number): string {
	return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

async function* guarded(source: AsyncIterable<Uint8Array>, settings: DownloadGuardSettings): AsyncGenerator<Uint8Array> {
	const iterator = source[Symbol.asyncIterator]();
	const idleMs = Math.max(1, settings.idleTimeoutMs);
	let received = 0;
	let head: Uint8Array | undefined;
	/** When the pending read started; undefined while the consumer works (its time is not idleness). */
	let waitingSince: number | undefined;
	let failPending: ((error: Error) => void) | undefined;
	let stalled: DownloadIncompleteError | undefined;
	let finished = false;

	const watchdog = async () => {
		const tick = Math.max(10, Math.min(1000, Math.floor(idleMs / 4)));
		while (!finished) {
			await sleep(tick);
			if (finished || waitingSince === undefined || Date.now() - waitingSince < idleMs) continue;
			stalled = new DownloadIncompleteError(
				`the download stopped: no data for ${formatIdle(idleMs)} after ${received} bytes`,
			);
			settings.abort?.();
			failPending?.(stalled);
			return;
		}
	};
	void watchdog();

	try {
		for (;;) {
			waitingSince = Date.now();
			const next = await new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
				failPending = reject;
				iterator.next().then(resolve, reject);
			});
			waitingSince = undefined;
			if (stalled) throw stalled;
			if (next.done) break;
			if (head === undefined || head.length < 2) head = head ? Buffer.concat([head, next.value]) : next.value;
			received += next.value.length;
			yield next.value;
		}
		// Gzip bytes are the bytes sent (n8n's client only inflates bodies it is told are gzip): their count
		// must be the announced one. Other bodies may have been inflated by the client, so their size says nothing.
		if (settings.contentLength !== undefined && head && startsWithGzipMagic(head) && received !== settings.contentLength) {
			throw new DownloadIncompleteError(
				`the download ended after ${received} of the ${settings.contentLength} bytes announced`,
			);
		}
	} finally {
		finished = true;
		// A stalled source may never answer: ask it to close without waiting for it.
		if (stalled) void Promise.resolve(iterator.return?.()).catch(() => undefined);
		else await iterator.return?.();
	}
}
