import { hashId, IdSet } from '../../nodes/Batch/sync/id-set';

describe('IdSet', () => {
	it('keeps each id once, in first-seen order', () => {
		const set = new IdSet();
		expect(['b', 'a', 'b', 'c', 'a'].map((id) => set.add(id))).toEqual([true, true, false, true, false]);
		expect(set.size).toBe(3);
		expect(set.has('a')).toBe(true);
		expect(set.has('z')).toBe(false);
		expect(set.take()).toEqual(['b', 'a', 'c']);
	});

	it('agrees with a Set across many growths, with duplicates mixed in', () => {
		const set = new IdSet();
		const reference = new Set<string>();
		const disagreements: string[] = [];
		for (let n = 0; n < 300_000; n++) {
			// Every third id repeats an earlier one; ids differ only in their last characters, as real ones do.
			const id = n % 3 === 0 ? `user-${(n * 7) % 1000}` : `user-${n}`;
			if (set.add(id) === reference.has(id)) disagreements.push(id);
			reference.add(id);
		}
		expect(disagreements).toEqual([]);
		expect(set.size).toBe(reference.size);
		expect(set.take()).toEqual([...reference]);
	});

	it('tells apart different ids whose hashes are equal', () => {
		const byHash = new Map<number, string>();
		let pair: [string, string] | undefined;
		for (let n = 0; !pair && n < 1_000_000; n++) {
			const id = `id-${n}`;
			const earlier = byHash.get(hashId(id));
			if (earlier !== undefined) pair = [earlier, id];
			byHash.set(hashId(id), id);
		}
		if (!pair) throw new Error('no two ids with the same hash among the candidates');
		const set = new IdSet();
		expect(set.add(pair[0])).toBe(true);
		expect(set.has(pair[1])).toBe(false);
		expect(set.add(pair[1])).toBe(true);
		expect(set.add(pair[0])).toBe(false);
		expect(set.take()).toEqual(pair);
	});

	it('is empty and usable again after take', () => {
		const set = new IdSet();
		for (let n = 0; n < 5000; n++) set.add(String(n));
		expect(set.take()).toHaveLength(5000);
		expect(set.size).toBe(0);
		expect(set.has('1')).toBe(false);
		expect(set.add('1')).toBe(true);
		expect(set.take()).toEqual(['1']);
	});

	it('takes the empty string and ids outside Latin-1 like any other', () => {
		const set = new IdSet();
		for (const id of ['', 'é', '用户', '😀', '']) set.add(id);
		expect(set.take()).toEqual(['', 'é', '用户', '😀']);
	});
});
