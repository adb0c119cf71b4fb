/** Small, fast, stable hashes: member generation must give the same output on every run and machine. */

/** FNV-1a over the UTF-16 code units of a string, as an unsigned 32-bit integer. */
export function hashString(text: string): number {
	let hash = 0x811c9dc5;
	for (let index = 0; index < text.length; index++) {
		hash ^= text.charCodeAt(index);
		hash = Math.imul(hash, 0x01000193);
	}
	return hash >>> 0;
}

/** murmur3's 32-bit finaliser: a bijection on unsigned 32-bit integers. */
export function fmix32(value: number): number {
	let hash = value >>> 0;
	hash ^= hash >>> 16;
	hash = Math.imul(hash, 0x85ebca6b);
	hash ^= hash >>> 13;
	hash = Math.imul(hash, 0xc2b2ae35);
	hash ^= hash >>> 16;
	return hash >>> 0;
}

/** Mixes a seed, a member number and a salt into an unsigned 32-bit integer (murmur3 finaliser). */
export function mix(seed: number, value: number, salt: number): number {
	let hash = (seed ^ Math.imul(value | 0, 0x9e3779b1) ^ Math.imul((value / 4294967296) | 0, 0x7feb352d)) >>> 0;
	return fmix32(hash ^ Math.imul(salt, 0x85ebca77));
}

/** `mix` scaled to [0, 1). */
export function unit(seed: number, value: number, salt: number): number {
	return mix(seed, value, salt) / 4294967296;
}
