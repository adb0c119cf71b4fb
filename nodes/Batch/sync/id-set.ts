/**
 * A set of id strings for millions of ids. A JavaScript Set spends most of a sync's dedupe time at that
 * size (two million ids: about 2.3 s here, against 1 s for this table) and must then be copied into an
 * array; this keeps the ids in insertion order in a plain array that is handed over as it is.
 *
 * Open addressing with linear probing over one Int32Array of [hash, index + 1] pairs, kept at most half
 * full; a probe compares the stored hash before touching the id string.
 */
const INITIAL_SLOTS = 1024;

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so that similar ids spread over the table. */
export function hashId(id: string): number {
	let hash = 0x811c9dc5 | 0;
	for (let at = 0; at < id.length; at++) hash = Math.imul(hash ^ id.charCodeAt(at), 0x01000193);
	hash ^= hash >>> 16;
	hash = Math.imul(hash, 0x85ebca6b);
	hash ^= hash >>> 13;
	hash = Math.imul(hash, 0xc2b2ae35);
	return hash ^ (hash >>> 16);
}

export class IdSet {
	private ids: string[] = [];

	/** Slot s holds its id's hash at 2s and its index in `ids` plus one at 2s + 1 (0: empty). */
	private slots = new Int32Array(INITIAL_SLOTS * 2);

	private mask = INITIAL_SLOTS - 1;

	get size(): number {
		return this.ids.length;
	}

	has(id: string): boolean {
		return this.find(id, hashId(id)) >= 0;
	}

	/** The id's position in the order ids were added, or -1. */
	indexOf(id: string): number {
		const found = this.find(id, hashId(id));
		return found >= 0 ? found : -1;
	}

	/** Adds the id; returns false if it was already there. */
	add(id: string): boolean {
		const hash = hashId(id);
		const found = this.find(id, hash);
		if (found >= 0) return false;
		const slot = -found - 1;
		const count = this.ids.push(id);
		this.slots[2 * slot] = hash;
		this.slots[2 * slot + 1] = count;
		if (count * 2 > this.mask) this.grow();
		return true;
	}

	/** The ids, in the order they were first added. The set is left empty. */
	take(): string[] {
		const ids = this.ids;
		this.ids = [];
		this.slots = new Int32Array(INITIAL_SLOTS * 2);
		this.mask = INITIAL_SLOTS - 1;
		return ids;
	}

	/** The id's index if it is in the set; otherwise -(s + 1), s being the empty slot where it belongs. */
	private find(id: string, hash: number): number {
		const slots = this.slots;
		for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
			const entry = slots[2 * slot + 1];
			if (entry === 0) return -slot - 1;
			if (slots[2 * slot] === hash && this.ids[entry - 1] === id) return entry - 1;
		}
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
