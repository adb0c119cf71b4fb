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
 * Open addressing with linear probing over one Int32Array of [hash, index + 1] pairs, kept at most half
 * full; a probe compares the stored hash before comparing bytes.
 */
const NEWLINE = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const INITIAL_SLOTS = 1024;
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

	private count = 0;

	/** Ids stored escaped: while there are none, the bytes are the ids themselves, one per line. */
	private escaped = 0;

	/** Slot s holds its id's hash at 2s and its index plus one at 2s + 1 (0: empty). */
	private slots = new Int32Array(INITIAL_SLOTS * 2);

	private mask = INITIAL_SLOTS - 1;

	/** The ids, each once, in the order given. */
	static of(ids: Iterable<string>): PackedIds {
		const packed = new PackedIds();
		for (const id of ids) packed.add(id);
		return packed;
	}

	get length(): number {
		return this.count;
	}

	/** Adds the id; returns false if it was already there. */
	add(id: string): boolean {
		this.reserve(id.length * 6 + 1);
		const bytes = this.bytes;
		const start = this.used;
		for (let at = 0; at < id.length; at++) {
			const code = id.charCodeAt(at);
			if (code < 0x20 || code > 0x7e || code === QUOTE || code === BACKSLASH) return this.addEncoded(id);
			bytes[start + at] = code;
		}
		return this.commit(start + id.length, false);
	}

	/**
	 * Adds the id whose bytes are source[start, end): UTF-8 with no quote, backslash or byte below 0x20,
	 * which is what the caller checked (forEachLine gives their hash). Returns false if it was already there.
	 */
	addPlainBytes(source: Uint8Array, start: number, end: number, hash = hashBytes(source, start, end)): boolean {
		const found = this.find(source, start, end, hash);
		if (found >= 0) return false;
		const length = end - start;
		this.reserve(length + 1);
		const bytes = this.bytes;
		const at = this.used;
		for (let offset = 0; offset < length; offset++) bytes[at + offset] = source[start + offset];
		this.insert(-found - 1, hash, at + length, false);
		return true;
	}

	/** Makes room for `ids` more ids of `bytes` bytes in all, so that adding them grows nothing. */
	reserveFor(ids: number, bytes: number): void {
		this.reserve(bytes + ids);
		if (this.count + ids + 1 > this.starts.length) this.resizeStarts(this.count + ids + 1);
		while ((this.count + ids) * 2 > this.mask) this.grow();
	}

	get(index: number): string {
		const text = this.bytes.toString('utf8', this.starts[index], this.starts[index + 1] - 1);
		return this.escaped > 0 && text.includes('\\') ? (JSON.parse(`"${text}"`) as string) : text;
	}

	/** The position of the id given as another PackedIds' id, or -1. */
	indexOfIdIn(other: PackedIds, index: number): number {
		const start = other.starts[index];
		const end = other.starts[index + 1] - 1;
		return this.find(other.bytes, start, end, hashBytes(other.bytes, start, end));
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
		const position = (at: number) => (indexes ? indexes[at] : at);
		let size = open.length + Math.max(0, length - 1) + close.length;
		for (let at = first; at < first + length; at++) {
			const index = position(at);
			size += prefix.length + suffix.length + starts[index + 1] - 1 - starts[index];
		}
		const target = Buffer.allocUnsafe(size);
		const bytes = this.bytes;
		target.set(open);
		let offset = open.length;
		for (let at = first; at < first + length; at++) {
			if (at > first) target[offset++] = 44;
			for (let k = 0; k < prefix.length; k++) target[offset++] = prefix[k];
			const index = position(at);
			const end = starts[index + 1] - 1;
			for (let k = starts[index]; k < end; k++) target[offset++] = bytes[k];
			for (let k = 0; k < suffix.length; k++) target[offset++] = suffix[k];
		}
		target.set(close, offset);
		return target;
	}

	/** Ids outside printable ASCII, or with a quote or backslash: JSON.stringify makes their bytes. */
	private addEncoded(id: string): boolean {
		const content = JSON.stringify(id).slice(1, -1);
		const start = this.used;
		const end = start + this.bytes.write(content, start, 'utf8');
		return this.commit(end, content !== id);
	}

	/** Keeps the bytes just written at `used` up to `end` as a new id, unless they are already there. */
	private commit(end: number, escaped: boolean): boolean {
		const hash = hashBytes(this.bytes, this.used, end);
		const found = this.find(this.bytes, this.used, end, hash);
		if (found >= 0) return false;
		this.insert(-found - 1, hash, end, escaped);
		return true;
	}

	/** Keeps the bytes at `used` up to `end` as a new id, filed at the empty slot `slot`. */
	private insert(slot: number, hash: number, end: number, escaped: boolean): void {
		const start = this.used;
		this.bytes[end] = NEWLINE;
		this.used = end + 1;
		if (this.count + 2 > this.starts.length) this.resizeStarts(this.starts.length * 2);
		this.starts[this.count] = start;
		this.starts[++this.count] = this.used;
		if (escaped) this.escaped++;
		this.slots[2 * slot] = hash;
		this.slots[2 * slot + 1] = this.count;
		if (this.count * 2 > this.mask) this.grow();
	}

	private resizeStarts(length: number): void {
		const starts = new Int32Array(length);
		starts.set(this.starts.subarray(0, this.count + 1));
		this.starts = starts;
	}

	/** The id's index if it is here; otherwise -(s + 1), s being the empty slot where it belongs. */
	private find(source: Uint8Array, start: number, end: number, hash: number): number {
		const slots = this.slots;
		for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
			const entry = slots[2 * slot + 1];
			if (entry === 0) return -slot - 1;
			if (slots[2 * slot] === hash && this.holds(entry - 1, source, start, end)) return entry - 1;
		}
	}

	private holds(index: number, source: Uint8Array, start: number, end: number): boolean {
		const from = this.starts[index];
		if (this.starts[index + 1] - 1 - from !== end - start) return false;
		const bytes = this.bytes;
		for (let at = 0; at < end - start; at++) if (bytes[from + at] !== source[start + at]) return false;
		return true;
	}

	private reserve(extra: number): void {
		if (this.used + extra <= this.bytes.length) return;
		const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + extra));
		this.bytes.copy(bigger, 0, 0, this.used);
		this.bytes = bigger;
	}

	private grow(): void {
		const old = this.slots;
		const mask = this.mask * 2 + 1;
		const slots = new Int32Array((mask + 1) * 2);
		for (let at = 0; at < old.length; at += 2) {
			const entry = old[at + 1];
			if (entry === 0) continue;
			let slot = old[at] & mask;
			while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
			slots[2 * slot] = old[at];
			slots[2 * slot + 1] = entry;
		}
		this.slots = slots;
		this.mask = mask;
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
 * Whether source[start, end) is printable ASCII with no quote or backslash: bytes addPlainBytes can take
 * from a source that may not be valid UTF-8.
 */
export function isPlainAscii(source: Uint8Array, start: number, end: number): boolean {
	for (let at = start; at < end; at++) {
		const byte = source[at];
		if (byte < 0x20 || byte > 0x7e || byte === QUOTE || byte === BACKSLASH) return false;
	}
	return true;
}

/**
 * Calls `line` for each non-empty line of `bytes`, valid UTF-8 (lines end with "\n" or with the bytes),
 * with the hash addPlainBytes needs when no byte of the line is below 0x20, a quote or a backslash (else
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

/** The list as a PackedIds (itself if it is one). */
export function packed(list: IdList): PackedIds {
	if (list instanceof PackedIds) return list;
	const store = new PackedIds();
	for (let index = 0; index < list.length; index++) store.add(list.get(index));
	return store;
}
