/**
 * Finding repeated and shared ids among millions, bucket by bucket: the ids' positions are sorted by the
 * top bits of their hash (a counting sort, positions ascending within a bucket), then each bucket, a few
 * thousand ids, goes through a small hash table that stays in the processor's cache. One table of
 * millions of slots, filled an id at a time, waits on memory for nearly every id instead.
 */
const BUCKET_BITS = 8;
const BUCKETS = 1 << BUCKET_BITS;

interface Buckets {
	/** Bucket b holds order[offsets[b]] to order[offsets[b + 1] - 1]. */
	offsets: Int32Array;
	order: Int32Array;
	/** hashes[at]: the hash of the id at position order[at], so that a bucket's hashes are read in a row. */
	hashes: Int32Array;
}

function bucketOf(hash: number): number {
	return hash >>> (32 - BUCKET_BITS);
}

function bucketsOf(hashes: Int32Array, count: number): Buckets {
	const offsets = new Int32Array(BUCKETS + 1);
	for (let index = 0; index < count; index++) offsets[bucketOf(hashes[index]) + 1]++;
	for (let bucket = 0; bucket < BUCKETS; bucket++) offsets[bucket + 1] += offsets[bucket];
	const next = offsets.slice(0, BUCKETS);
	const order = new Int32Array(count);
	const ordered = new Int32Array(count);
	for (let index = 0; index < count; index++) {
		const hash = hashes[index];
		const at = next[bucketOf(hash)]++;
		order[at] = index;
		ordered[at] = hash;
	}
	return { offsets, order, hashes: ordered };
}

/** Open addressing over places in the bucket order plus one (0: empty), reused bucket after bucket, at most half full. */
class BucketTable {
	private slots: Int32Array;

	mask = 0;

	constructor(offsets: Int32Array) {
		let largest = 0;
		for (let bucket = 0; bucket < BUCKETS; bucket++) largest = Math.max(largest, offsets[bucket + 1] - offsets[bucket]);
		this.slots = new Int32Array(sizeFor(largest));
	}

	/** Empties the table for a bucket of `entries` positions. */
	clear(entries: number): Int32Array {
		const size = sizeFor(entries);
		this.mask = size - 1;
		this.slots.fill(0, 0, size);
		return this.slots;
	}
}

function sizeFor(entries: number): number {
	let size = 16;
	while (size < entries * 2) size *= 2;
	return size;
}

/**
 * Marks each position holding the same id as an earlier one. `same(a, b)` compares the ids at two
 * positions whose hashes are equal.
 */
export function findRepeats(hashes: Int32Array, same: (earlier: number, later: number) => boolean): { flags: Uint8Array; count: number } {
	const count = hashes.length;
	const { offsets, order, hashes: ordered } = bucketsOf(hashes, count);
	const table = new BucketTable(offsets);
	const flags = new Uint8Array(count);
	let repeats = 0;
	for (let bucket = 0; bucket < BUCKETS; bucket++) {
		const from = offsets[bucket];
		const to = offsets[bucket + 1];
		const slots = table.clear(to - from);
		const mask = table.mask;
		for (let at = from; at < to; at++) {
			const hash = ordered[at];
			for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
				const entry = slots[slot];
				if (entry === 0) {
					slots[slot] = at + 1;
					break;
				}
				// Positions ascend within a bucket: the one in the table is the earlier.
				if (ordered[entry - 1] === hash && same(order[entry - 1], order[at])) {
					flags[order[at]] = 1;
					repeats++;
					break;
				}
			}
		}
	}
	return { flags, count: repeats };
}

/**
 * For each id of the second list (by its hashes), the position of the same id in the first (each id there
 * once), or -1. `same(b, n)` compares the ids at position b of the first and n of the second, whose
 * hashes are equal.
 */
export function matchIds(
	beforeHashes: Int32Array,
	nowHashes: Int32Array,
	same: (beforeIndex: number, nowIndex: number) => boolean,
): Int32Array {
	const before = bucketsOf(beforeHashes, beforeHashes.length);
	const now = bucketsOf(nowHashes, nowHashes.length);
	const table = new BucketTable(before.offsets);
	const found = new Int32Array(nowHashes.length).fill(-1);
	for (let bucket = 0; bucket < BUCKETS; bucket++) {
		const from = before.offsets[bucket];
		const to = before.offsets[bucket + 1];
		const slots = table.clear(to - from);
		const mask = table.mask;
		for (let at = from; at < to; at++) {
			let slot = before.hashes[at] & mask;
			while (slots[slot] !== 0) slot = (slot + 1) & mask;
			slots[slot] = at + 1;
		}
		for (let at = now.offsets[bucket]; at < now.offsets[bucket + 1]; at++) {
			const hash = now.hashes[at];
			for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
				const entry = slots[slot];
				if (entry === 0) break;
				if (before.hashes[entry - 1] === hash && same(before.order[entry - 1], now.order[at])) {
					found[now.order[at]] = before.order[entry - 1];
					break;
				}
			}
		}
	}
	return found;
}
