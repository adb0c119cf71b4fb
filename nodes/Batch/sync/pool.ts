/** A tiny concurrency pool (p-limit is ESM-only, and a node may not bundle it). */
export async function runPool<T>(
	items: readonly T[],
	concurrency: number,
	worker: (item: T) => Promise<void>,
	shouldStop: () => boolean = () => false,
): Promise<void> {
	let next = 0;
	const lanes = Math.max(1, Math.min(Math.floor(concurrency) || 1, items.length));
	const lane = async () => {
		while (next < items.length && !shouldStop()) {
			const item = items[next++];
			await worker(item);
		}
	};
	await Promise.all(Array.from({ length: lanes }, lane));
}
