/**
 * One sync of an audience at a time in this n8n process: two production executions that overlap (a slow
 * run and the next schedule tick) take turns instead of interleaving their writes. The later one then
 * sees the audience changed since its state was loaded and replaces it, so the result is exact. Across
 * processes (queue-mode workers) no lock exists: there, the state checks and Full Resync Every apply.
 */
const tails = new Map<string, Promise<void>>();

/** Waits for the audience's turn; the caller runs its sync, then calls the returned release (in a finally). */
export async function lockAudience(key: string): Promise<() => void> {
	const previous = tails.get(key) ?? Promise.resolve();
	let release!: () => void;
	const mine = new Promise<void>((resolve) => (release = resolve));
	const tail = previous.then(async () => await mine);
	tails.set(key, tail);
	await previous;
	return () => {
		release();
		if (tails.get(key) === tail) tails.delete(key);
	};
}
