/**
 * Gzip detection by magic bytes. n8n's HTTP client already inflates bodies sent with
 * `Content-Encoding: gzip`; some servers send gzip bytes without that header, so look at the bytes.
 * Uses the web `DecompressionStream` (a global in Node 18+), as node:zlib is off limits to nodes.
 */

const GZIP_MAGIC = [0x1f, 0x8b];

function concatBytes(parts: Uint8Array[]): Uint8Array {
	if (parts.length === 1) return parts[0];
	const total = parts.reduce((sum, part) => sum + part.length, 0);
	const joined = new Uint8Array(total);
	let offset = 0;
	for (const part of parts) {
		joined.set(part, offset);
		offset += part.length;
	}
	return joined;
}

export function startsWithGzipMagic(bytes: Uint8Array): boolean {
	return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/** DOM typings want ArrayBuffer-backed views; chunks from Node streams are, whatever their declared type. */
function asBufferSource(bytes: Uint8Array): BufferSource {
	return bytes as Uint8Array<ArrayBuffer>;
}

async function* inflate(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
	const decompressor = new DecompressionStream('gzip');
	const writer = decompressor.writable.getWriter();
	const reader = decompressor.readable.getReader();
	let stopped = false;
	// Feeds the decompressor while the loop below drains it; an input error reaches the reader through abort().
	const feeding = (async () => {
		try {
			await writer.ready;
			void writer.write(asBufferSource(first)).catch(() => undefined);
			for (;;) {
				const next = await rest.next();
				if (next.done || stopped) break;
				await writer.ready;
				void writer.write(asBufferSource(next.value)).catch(() => undefined);
			}
			if (stopped) await rest.return?.();
			else await writer.close();
		} catch (error) {
			await writer.abort(error).catch(() => undefined);
			await rest.return?.().catch(() => undefined);
		}
	})();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			yield value;
		}
	} finally {
		stopped = true;
		await reader.cancel().catch(() => undefined);
		await feeding;
	}
}

/**
 * Passes chunks through, gunzipping them when the first bytes are 1f 8b. The source is closed on every
 * way out (its end, an error, or a consumer that stops early), so a file or socket is never left open.
 * A gzip stream that ends before its trailer, or whose CRC or length does not match, is an error.
 */
export async function* gunzipIfCompressed(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
	const iterator = chunks[Symbol.asyncIterator]();
	let handedOver = false;
	try {
		const head: Uint8Array[] = [];
		let headBytes = 0;
		let ended = false;
		while (headBytes < GZIP_MAGIC.length) {
			const next = await iterator.next();
			if (next.done) {
				ended = true;
				break;
			}
			head.push(next.value);
			headBytes += next.value.length;
		}
		if (head.length === 0) return;
		const first = concatBytes(head);
		if (startsWithGzipMagic(first)) {
			const rest: AsyncIterator<Uint8Array> = ended
				? { next: async () => ({ done: true, value: undefined }) }
				: iterator;
			// inflate() closes the source itself once it is done feeding.
			handedOver = !ended;
			yield* inflate(first, rest);
			return;
		}
		yield first;
		if (ended) return;
		for (;;) {
			const next = await iterator.next();
			if (next.done) return;
			yield next.value;
		}
	} finally {
		if (!handedOver) await iterator.return?.();
	}
}
