import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { detachField } from '../../nodes/shared/csv';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('detachField', () => {
	it('returns the same text, whatever its length and characters', () => {
		for (const field of ['', 'a', 'ab', 'user-1', 'user-100000000035', 'x'.repeat(500), 'é"用户,😀\n', '  spaced  ']) {
			expect(detachField(field)).toBe(field);
		}
	});

	it('does not keep the text it was cut from alive', () => {
		const keep = (pieces: number) => {
			const kept: string[] = [];
			for (let n = 0; n < pieces; n++) {
				// A 1 MB piece of a file, built at run time so it is a string of its own.
				const piece = `${String(n).padStart(8, '0')}-user-${'x'.repeat(1 << 20)}`;
				kept.push(detachField(piece.slice(0, 20)));
			}
			return kept;
		};
		collectGarbage();
		const before = process.memoryUsage().heapUsed;
		const kept = keep(60);
		collectGarbage();
		const grown = process.memoryUsage().heapUsed - before;
		expect(kept).toHaveLength(60);
		expect(kept[59]).toBe('00000059-user-xxxxxx');
		// Sixty 1 MB pieces would be 60 MB if the fields still pointed into them.
		expect(grown).toBeLessThan(10 * 2 ** 20);
	});
});
