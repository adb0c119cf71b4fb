/**
 * The memory Sync changes keeps between runs: the ids the last run left in the audience.
 *
 * Why ids and not hashes: Sync changes must send `remove` for users who left, and a hash cannot be turned
 * back into the id Batch needs. So the ids themselves are stored, compactly: newline-joined,
 * gzip-compressed (the web CompressionStream, available to nodes without imports) and base64-encoded,
 * next to their count and a SHA-256 checksum that proves the blob decodes to exactly what was saved.
 * No key is ever stored: the state is filed under a hash of the app/project key (see state-store.ts).
 *
 * Version 2 keeps the ids in the order they came (the diff needs no order; sorting two million ids cost
 * seconds a run). Version 1 kept them sorted; it is still read, so a state saved by it stays usable.
 */
import { createHash } from 'crypto';

import { countLines, forEachLine, idsOf, PackedIds, type IdList } from './packed-ids';

export const STATE_FORMAT_VERSION = 2;

const SORTED_STATE_VERSION = 1;

export interface EncodedAudienceState {
	v: number;
	/** Number of ids in the blob. */
	count: number;
	/** SHA-256 (hex) of the newline-joined ids. */
	checksum: string;
	/** base64(gzip(ids joined with "\n")). */
	ids: string;
	savedAt: string;
	/** What the audience looked like after this run's writes: what the next run expects to find. */
	audience?: AudienceSnapshot;
	/** When this sync last replaced the whole audience (ISO), for Full Resync Every. */
	fullSyncAt?: string;
	/** When a run last used this state (ISO, refreshed at most daily), so states nobody uses can be pruned. */
	usedAt?: string;
}

/**
 * The audience as Batch showed it once this run's writes were indexed. `updated` is null when the API
 * gives no such field; `confirmed` is false when indexing had not finished, so nothing could be read.
 */
export interface AudienceSnapshot {
	nbIds: number | null;
	updated: string | null;
	confirmed: boolean;
}

/** The bookkeeping saved next to the ids. */
export type StateMeta = Pick<EncodedAudienceState, 'audience' | 'fullSyncAt' | 'usedAt'>;

export type DecodedState = { ok: true; ids: PackedIds } | { ok: false; reason: string };

const IDS_PER_PIECE = 5000;
const BYTES_PER_PIECE = 1 << 20;

export async function encodeState(
	ids: IdList,
	now = new Date(),
	meta: StateMeta = {},
): Promise<EncodedAudienceState> {
	const hash = createHash('sha256');
	const encoder = new TextEncoder();
	const gzip = new CompressionStream('gzip');
	// Read while writing: the stream applies backpressure, so writing everything first would stall.
	const compressed = collect(gzip.readable);
	const writer = gzip.writable.getWriter();
	// The packed ids are already this text's bytes, unless some id had to be stored escaped.
	const joined = ids instanceof PackedIds ? ids.joinedBytes() : undefined;
	if (joined) {
		hash.update(joined);
		for (let start = 0; start < joined.length; start += BYTES_PER_PIECE) await writer.write(joined.slice(start, start + BYTES_PER_PIECE));
	} else {
		for (let start = 0; start < ids.length; start += IDS_PER_PIECE) {
			const text = (start > 0 ? '\n' : '') + idsOf(ids, start, start + IDS_PER_PIECE).join('\n');
			hash.update(text);
			await writer.write(encoder.encode(text));
		}
	}
	await writer.close();
	return {
		v: STATE_FORMAT_VERSION,
		count: ids.length,
		checksum: hash.digest('hex'),
		ids: Buffer.from(await compressed).toString('base64'),
		savedAt: now.toISOString(),
		...meta,
	};
}

/** The bookkeeping of a stored state, each field kept only if well formed. */
export function readStateMeta(state: unknown): StateMeta {
	const raw = (state ?? {}) as Record<string, unknown>;
	const meta: StateMeta = {};
	const snapshot = raw.audience as Record<string, unknown> | undefined;
	if (snapshot && typeof snapshot === 'object' && typeof snapshot.confirmed === 'boolean') {
		meta.audience = {
			nbIds: typeof snapshot.nbIds === 'number' ? snapshot.nbIds : null,
			updated: typeof snapshot.updated === 'string' ? snapshot.updated : null,
			confirmed: snapshot.confirmed,
		};
	}
	if (typeof raw.fullSyncAt === 'string') meta.fullSyncAt = raw.fullSyncAt;
	if (typeof raw.usedAt === 'string') meta.usedAt = raw.usedAt;
	return meta;
}

/** The ids of a stored state, or why it is not exactly what was saved. */
export async function decodeState(state: unknown): Promise<DecodedState> {
	if (!isEncodedState(state)) return { ok: false, reason: 'the stored state has an unknown shape' };
	if (state.count === 0) {
		return state.checksum === emptyChecksum() ? { ok: true, ids: new PackedIds() } : { ok: false, reason: 'the stored state fails its checksum' };
	}
	const bytes = await gunzip(new Uint8Array(Buffer.from(state.ids, 'base64')));
	if (!bytes) return { ok: false, reason: 'the stored state cannot be decompressed' };
	const checksum = createHash('sha256').update(bytes).digest('hex');
	if (checksum !== state.checksum) return { ok: false, reason: 'the stored state fails its checksum' };
	// The ids are joined by "\n": one more id than line breaks.
	const lines = countLines(bytes) + (bytes[bytes.length - 1] === 10 ? 1 : 0);
	if (lines !== state.count) return { ok: false, reason: 'the stored state holds a different number of ids' };
	if (state.v === SORTED_STATE_VERSION) {
		const ids = new TextDecoder().decode(bytes).split('\n');
		for (let i = 1; i < ids.length; i++) if (!(ids[i - 1] < ids[i])) return { ok: false, reason: 'the stored ids are not sorted' };
	}
	return { ok: true, ids: readLines(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), lines) };
}

/** The ids, one per line, packed without a string per id (a repeat is kept once). */
function readLines(bytes: Buffer, lines: number): PackedIds {
	const ids = new PackedIds();
	ids.reserveFor(lines, bytes.length);
	forEachLine(bytes, (start, end, plainHash) => {
		if (plainHash === undefined) ids.append(bytes.toString('utf8', start, end));
		else ids.appendPlainBytes(bytes, start, end, plainHash);
	});
	ids.dedupe();
	return ids;
}

async function gunzip(compressed: Uint8Array<ArrayBuffer>): Promise<Uint8Array | undefined> {
	const stream = new DecompressionStream('gzip');
	const decompressed = collect(stream.readable);
	const writer = stream.writable.getWriter();
	const written = writer.write(compressed).then(async () => await writer.close());
	return await Promise.all([decompressed, written]).then(
		([bytes]) => bytes,
		() => undefined,
	);
}

function emptyChecksum(): string {
	return createHash('sha256').digest('hex');
}

function isEncodedState(value: unknown): value is EncodedAudienceState {
	const state = value as EncodedAudienceState;
	return (
		typeof state === 'object' &&
		state !== null &&
		(state.v === STATE_FORMAT_VERSION || state.v === SORTED_STATE_VERSION) &&
		Number.isInteger(state.count) &&
		state.count >= 0 &&
		typeof state.checksum === 'string' &&
		typeof state.ids === 'string'
	);
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	let length = 0;
	const reader = stream.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		parts.push(value);
		length += value.length;
	}
	const joined = new Uint8Array(length);
	let offset = 0;
	for (const part of parts) {
		joined.set(part, offset);
		offset += part.length;
	}
	return joined;
}
