/**
 * Millions of unique ids kept as one buffer of bytes with their offsets, not as millions of strings.
 * Two million id strings take a sync about a second to make and hash, and every full garbage collection
 * of the n8n process marks each of them again while the sync runs. Here they are a few typed arrays, and
 * a write's JSON body is copied from the bytes without making a string.
 *
 * Each id is stored as the UTF-8 of its content in a JSON string, followed by "\n": for ordinary ids
 * that is the id's own UTF-8; an id with a quote, a backslash, a control character or a lone surrogate
 * is stored escaped (JSON.stringify's escapes, so it holds a backslash and no line break). The same id
 * always gives the same bytes, so ids are deduplicated by their bytes.
 *
 * Ids are appended as they come, with their hash; repeats are found afterwards, all at once (see
 * hash-buckets.ts), which touches memory far less at random than a hash table filled id by id.
 */
import { findRepeats } from './hash-buckets';

const NEWLINE = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Ids by position: a whole PackedIds, or a view of some of its ids. */
export interface IdList {
	readonly length: number;
	/** The id at `index` (0 ≤ index < length). */
	get(index: number): string;
	slice(start: number, end?: number): IdList;
}

/** FNV-1a over the bytes, then murmur3's finaliser so that similar ids spread over the table. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
	let hash = FNV_OFFSET;
	for (let at = start; at < end; at++) hash = Math.imul(hash ^ bytes[at], FNV_PRIME);
	return finish(hash);
}

/** 1 for the bytes an id cannot hold as it stands in JSON: below 0x20, quote, backslash. */
const NOT_PLAIN = new Uint8Array(256).map((_unused, byte) => (byte < 0x20 || byte === QUOTE || byte === BACKSLASH ? 1 : 0));

function isPrintableAscii(byte: number): boolean {
	return byte > 0x20 && byte < 0x7f;
}

/** The lines of `bytes` as their first 64 KB suggest, plus a tenth: the arrays for them are made once. */
function estimatedLines(bytes: Uint8Array): number {
	const sample = Math.min(bytes.length, 1 << 16);
	let lines = 1;
	for (let at = bytes.indexOf(NEWLINE); at !== -1 && at < sample; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
	return Math.ceil(((bytes.length / sample) * lines * 11) / 10) + 16;
}

/** Twice as long, with the first `keep` entries. */
function grown(array: Int32Array<ArrayBuffer>, keep: number): Int32Array<ArrayBuffer> {
	const bigger = new Int32Array(array.length * 2);
	bigger.set(array.subarray(0, keep));
	return bigger;
}

function finish(hash: number): number {
	hash ^= hash >>> 16;
	hash = Math.imul(hash, 0x85ebca6b);
	hash ^= hash >>> 13;
	hash = Math.imul(hash, 0xc2b2ae35);
	return hash ^ (hash >>> 16);
}

export class PackedIds implements IdList {
	/** The ids' bytes, each followed by "\n". */
	private bytes = Buffer.allocUnsafe(1 << 16);

	private used = 0;

	/** starts[i]: where id i begins; starts[count] = used. */
	private starts = new Int32Array(1024);

	/** hashes[i]: id i's hashBytes. */
	private hashes = new Int32Array(1024);

	private count = 0;

	/** Ids stored escaped: while there are none, the bytes are the ids themselves, one per line. */
	private escaped = 0;

	/** The ids, each once, in the order first given. */
	static of(ids: Iterable<string>): PackedIds {
		const packed = new PackedIds();
		for (const id of ids) packed.append(id);
		packed.dedupe();
		return packed;
	}

	get length(): number {
		return this.count;
	}

	/** Adds the id at the end, repeated or not: dedupe removes the repeats. */
	append(id: string): void {
		this.reserve(id.length * 6 + 1);
		const bytes = this.bytes;
		const start = this.used;
		for (let at = 0; at < id.length; at++) {
			const code = id.charCodeAt(at);
			if (code < 0x20 || code > 0x7e || code === QUOTE || code === BACKSLASH) {
				this.appendEncoded(id);
				return;
			}
			bytes[start + at] = code;
		}
		this.close(start + id.length, hashBytes(bytes, start, start + id.length), false);
	}

	/**
	 * Adds the id whose bytes are source[start, end) at the end: UTF-8 with no quote, backslash or byte
	 * below 0x20, which is what the caller checked (forEachLine gives their hash).
	 */
	appendPlainBytes(source: Uint8Array, start: number, end: number, hash = hashBytes(source, start, end)): void {
		const length = end - start;
		this.reserve(length + 1);
		const bytes = this.bytes;
		const at = this.used;
		for (let offset = 0; offset < length; offset++) bytes[at + offset] = source[start + offset];
		this.close(at + length, hash, false);
	}

	/**
	 * Adds the id whose bytes are source[start, end) if they are printable ASCII with no quote or backslash
	 * (bytes that are their own JSON content, from a source that may not be valid UTF-8), checked, hashed and
	 * copied in one pass; returns false, having added nothing, for any other bytes.
	 */
	appendPlainAscii(source: Uint8Array, start: number, end: number): boolean {
		const length = end - start;
		this.reserve(length + 1);
		const bytes = this.bytes;
		const at = this.used;
		let hash = FNV_OFFSET;
		for (let offset = 0; offset < length; offset++) {
			const byte = source[start + offset];
			if (byte < 0x20 || byte > 0x7e || byte === QUOTE || byte === BACKSLASH) return false;
			hash = Math.imul(hash ^ byte, FNV_PRIME);
			bytes[at + offset] = byte;
		}
		this.close(at + length, finish(hash), false);
		return true;
	}

	/**
	 * Makes `bytes`, ids one per line each ended by "\n", this empty store's own bytes, with no copy, when
	 * every line is an id just as it stands: not empty, at most `maxLength` bytes, no byte below 0x20, quote
	 * or backslash, and printable ASCII first and last (nothing for trim to take away). Returns how many ids
	 * it took, or undefined, having taken nothing, when one line is not such an id or the store is not empty.
	 */
	adoptLines(bytes: Buffer<ArrayBuffer>, maxLength: number): number | undefined {
		const length = bytes.length;
		if (this.count > 0 || length === 0 || bytes[length - 1] !== NEWLINE) return undefined;
		let starts = new Int32Array(estimatedLines(bytes) + 1);
		let hashes = new Int32Array(starts.length);
		let count = 0;
		for (let start = 0; start < length; ) {
			const end = bytes.indexOf(NEWLINE, start);
			// An empty line fails here too: its first byte is the line break.
			if (end - start > maxLength || !isPrintableAscii(bytes[start]) || !isPrintableAscii(bytes[end - 1])) return undefined;
			let hash = FNV_OFFSET;
			let notPlain = 0;
			for (let at = start; at < end; at++) {
				const byte = bytes[at];
				notPlain |= NOT_PLAIN[byte];
				hash = Math.imul(hash ^ byte, FNV_PRIME);
			}
			if (notPlain !== 0) return undefined;
			if (count + 2 > starts.length) {
				starts = grown(starts, count);
				hashes = grown(hashes, count);
			}
			starts[count] = start;
			hashes[count++] = finish(hash);
			start = end + 1;
		}
		starts[count] = length;
		this.bytes = bytes;
		this.used = length;
		this.starts = starts;
		this.hashes = hashes;
		this.count = count;
		return count;
	}

	/** Makes room for `ids` more ids of `bytes` bytes in all, so that appending them grows nothing. */
	reserveFor(ids: number, bytes: number): void {
		this.reserve(bytes + ids);
		if (this.count + ids + 1 > this.starts.length) this.resize(this.count + ids + 1);
	}

	/** Removes every repeat of an earlier id, keeping the order; returns how many were removed. */
	dedupe(): number {
		const repeats = findRepeats(this.idHashes, (earlier, later) => this.sameId(earlier, this, later));
		if (repeats.count === 0) return 0;
		const { bytes, starts, hashes } = this;
		let kept = 0;
		let used = 0;
		for (let index = 0; index < this.count; index++) {
			const from = starts[index];
			const to = starts[index + 1];
			if (repeats.flags[index] === 1) {
				if (this.escaped > 0 && bytes.subarray(from, to).includes(BACKSLASH)) this.escaped--;
				continue;
			}
			if (used !== from) bytes.copyWithin(used, from, to);
			starts[kept] = used;
			hashes[kept] = hashes[index];
			used += to - from;
			kept++;
		}
		starts[kept] = used;
		this.count = kept;
		this.used = used;
		return repeats.count;
	}

	get(index: number): string {
		const text = this.bytes.toString('utf8', this.starts[index], this.starts[index + 1] - 1);
		return this.escaped > 0 && text.includes('\\') ? (JSON.parse(`"${text}"`) as string) : text;
	}

	/** Each id's hashBytes, by position. */
	get idHashes(): Int32Array {
		return this.hashes.subarray(0, this.count);
	}

	/** Whether id `index` here and id `otherIndex` of `other` are the same. */
	sameId(index: number, other: PackedIds, otherIndex: number): boolean {
		const from = this.starts[index];
		const length = this.starts[index + 1] - from;
		const otherFrom = other.starts[otherIndex];
		if (other.starts[otherIndex + 1] - otherFrom !== length) return false;
		const bytes = this.bytes;
		const otherBytes = other.bytes;
		for (let at = 0; at < length; at++) if (bytes[from + at] !== otherBytes[otherFrom + at]) return false;
		return true;
	}

	slice(start: number, end = this.count): IdList {
		const from = clamp(start, this.count);
		return new IdView(this, undefined, from, Math.max(0, clamp(end, this.count) - from));
	}

	/** The ids at these positions, in this order. */
	pick(indexes: Int32Array): IdList {
		return new IdView(this, indexes, 0, indexes.length);
	}

	/** The ids joined by "\n", as bytes, when no id is stored escaped; otherwise undefined. */
	joinedBytes(): Uint8Array | undefined {
		if (this.escaped > 0) return undefined;
		return this.bytes.subarray(0, Math.max(0, this.used - 1));
	}

	/**
	 * `open`, then the JSON array elements `prefix id suffix`, comma-separated, then `close`: for the ids at
	 * positions `first` to `first + length` of `indexes` (or of this store when there are none).
	 */
	jsonElements(piece: JsonPieces, indexes: Int32Array | undefined, first: number, length: number): Buffer {
		const { open, prefix, suffix, close } = piece;
		const starts = this.starts;
		let size = open.length + Math.max(0, length - 1) + close.length;
		for (let at = first; at < first + length; at++) {
			const index = indexes ? indexes[at] : at;
			size += prefix.length + suffix.length + starts[index + 1] - 1 - starts[index];
		}
		const target = Buffer.allocUnsafe(size);
		const bytes = this.bytes;
		target.set(open);
		let offset = open.length;
		for (let at = first; at < first + length; at++) {
			if (at > first) target[offset++] = 44;
			for (let k = 0; k < prefix.length; k++) target[offset++] = prefix[k];
			const index = indexes ? indexes[at] : at;
			const end = starts[index + 1] - 1;
			for (let k = starts[index]; k < end; k++) target[offset++] = bytes[k];
			for (let k = 0; k < suffix.length; k++) target[offset++] = suffix[k];
		}
		target.set(close, offset);
		return target;
	}

	/** Ids outside printable ASCII, or with a quote or backslash: JSON.stringify makes their bytes. */
	private appendEncoded(id: string): void {
		const content = JSON.stringify(id).slice(1, -1);
		const start = this.used;
		const end = start + this.bytes.write(content, start, 'utf8');
		this.close(end, hashBytes(this.bytes, start, end), content !== id);
	}

	/** Keeps the bytes at `used` up to `end` as the next id. */
	private close(end: number, hash: number, escaped: boolean): void {
		this.bytes[end] = NEWLINE;
		if (this.count + 2 > this.starts.length) this.resize(this.starts.length * 2);
		this.starts[this.count] = this.used;
		this.hashes[this.count] = hash;
		this.used = end + 1;
		this.starts[++this.count] = this.used;
		if (escaped) this.escaped++;
	}

	private resize(length: number): void {
		const starts = new Int32Array(length);
		starts.set(this.starts.subarray(0, this.count + 1));
		this.starts = starts;
		const hashes = new Int32Array(length);
		hashes.set(this.hashes.subarray(0, this.count));
		this.hashes = hashes;
	}

	private reserve(extra: number): void {
		if (this.used + extra <= this.bytes.length) return;
		const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + extra));
		this.bytes.copy(bigger, 0, 0, this.used);
		this.bytes = bigger;
	}
}

/** Some ids of a PackedIds: a range of its positions, or of a list of positions. */
export class IdView implements IdList {
	constructor(
		readonly store: PackedIds,
		/** Positions in the store; without them, the view is the store's range from `first`. */
		private readonly indexes: Int32Array | undefined,
		private readonly first: number,
		readonly length: number,
	) {}

	get(index: number): string {
		return this.store.get(this.indexes ? this.indexes[this.first + index] : this.first + index);
	}

	slice(start: number, end = this.length): IdList {
		const from = clamp(start, this.length);
		return new IdView(this.store, this.indexes, this.first + from, Math.max(0, clamp(end, this.length) - from));
	}

	jsonElements(pieces: JsonPieces): Buffer {
		return this.store.jsonElements(pieces, this.indexes, this.first, this.length);
	}
}

function clamp(position: number, length: number): number {
	if (position < 0) return Math.max(0, length + position);
	return Math.min(position, length);
}

/**
 * Calls `line` for each non-empty line of `bytes`, valid UTF-8 (lines end with "\n" or with the bytes),
 * with the hash appendPlainBytes needs when no byte of the line is below 0x20, a quote or a backslash (else
 * undefined).
 */
export function forEachLine(bytes: Uint8Array, line: (start: number, end: number, plainHash: number | undefined) => void): void {
	let start = 0;
	let hash = FNV_OFFSET;
	let plain = true;
	for (let at = 0; at < bytes.length; at++) {
		const byte = bytes[at];
		if (byte !== NEWLINE) {
			if (byte < 0x20 || byte === QUOTE || byte === BACKSLASH) plain = false;
			hash = Math.imul(hash ^ byte, FNV_PRIME);
			continue;
		}
		if (at > start) line(start, at, plain ? finish(hash) : undefined);
		start = at + 1;
		hash = FNV_OFFSET;
		plain = true;
	}
	if (bytes.length > start) line(start, bytes.length, plain ? finish(hash) : undefined);
}

/** How many lines ended by "\n" the bytes hold, plus one if the last is not ended. */
export function countLines(bytes: Uint8Array): number {
	let count = 0;
	let start = 0;
	for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, start)) {
		count++;
		start = at + 1;
	}
	return start < bytes.length ? count + 1 : count;
}

/** What surrounds the ids in JSON written from their bytes: `open prefix id suffix,prefix id suffix close`. */
export interface JsonPieces {
	open: Uint8Array;
	prefix: Uint8Array;
	suffix: Uint8Array;
	close: Uint8Array;
}

/** The ids in JSON as `pieces` says, copied from their bytes; undefined for a list that is not packed. */
export function jsonElementsOf(list: IdList, pieces: JsonPieces): Buffer | undefined {
	if (list instanceof IdView) return list.jsonElements(pieces);
	if (list instanceof PackedIds) return list.jsonElements(pieces, undefined, 0, list.length);
	return undefined;
}

/** The ids of a list as strings, in order. */
export function idsOf(list: IdList, start = 0, end = list.length): string[] {
	const ids: string[] = [];
	for (let index = start; index < Math.min(end, list.length); index++) ids.push(list.get(index));
	return ids;
}

/** The list as a PackedIds (itself if it is one), each id once. */
export function packed(list: IdList): PackedIds {
	if (list instanceof PackedIds) return list;
	const store = new PackedIds();
	for (let index = 0; index < list.length; index++) store.append(list.get(index));
	store.dedupe();
	return store;
}
