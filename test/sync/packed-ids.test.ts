import { diffIds } from '../../nodes/Batch/sync/id-diff';
import { MemberCollector } from '../../nodes/Batch/sync/member-collector';
import { countLines, hashBytes, idsOf, jsonElementsOf, PackedIds } from '../../nodes/Batch/sync/packed-ids';
import { decodeState, encodeState } from '../../nodes/Batch/sync/state-codec';

/** Ids that each take another path: plain ASCII, UTF-8, and every kind JSON escapes. */
const AWKWARD = ['plain', 'é', '用户', '😀', 'a"b', 'back\\slash', 'tab\there', 'line\nbreak', 'cr\r', 'lone\ud800', '\u007f', ''];

describe('PackedIds', () => {
	it('keeps each id once, in first-seen order', () => {
		const ids = new PackedIds();
		for (const id of ['b', 'a', 'b', 'c', 'a']) ids.append(id);
		expect(ids.dedupe()).toBe(2);
		expect(ids.length).toBe(3);
		expect(idsOf(ids)).toEqual(['b', 'a', 'c']);
		expect(ids.dedupe()).toBe(0);
	});

	it('agrees with a Set across many growths, with duplicates mixed in', () => {
		const ids = new PackedIds();
		const reference = new Set<string>();
		let appended = 0;
		for (let n = 0; n < 300_000; n++) {
			// Every third id repeats an earlier one; ids differ only in their last characters, as real ones do.
			const id = n % 3 === 0 ? `user-${(n * 7) % 1000}` : `user-${n}`;
			ids.append(id);
			appended++;
			reference.add(id);
		}
		expect(ids.dedupe()).toBe(appended - reference.size);
		expect(idsOf(ids)).toEqual([...reference]);
	});

	it('gives back every id as it was given, escaped or not, and dedupes them too', () => {
		const ids = PackedIds.of([...AWKWARD, ...AWKWARD]);
		expect(idsOf(ids)).toEqual(AWKWARD);
		// Removing a repeat moves the bytes after it: escaped ids read back the same afterwards.
		expect(idsOf(PackedIds.of(['a"', 'b', 'a"', 'c\\', 'b', 'd']))).toEqual(['a"', 'b', 'c\\', 'd']);
		expect(PackedIds.of(['x"', 'x"', 'y']).joinedBytes()).toBeUndefined();
		expect(Buffer.from(PackedIds.of(['x', 'y', 'x', 'z']).joinedBytes()!).toString()).toBe('x\ny\nz');
	});

	it('tells apart different ids whose hashes are equal', () => {
		const byHash = new Map<number, string>();
		let pair: [string, string] | undefined;
		for (let n = 0; !pair && n < 1_000_000; n++) {
			const id = `id-${n}`;
			const bytes = Buffer.from(id);
			const hash = hashBytes(bytes, 0, bytes.length);
			const earlier = byHash.get(hash);
			if (earlier !== undefined) pair = [earlier, id];
			byHash.set(hash, id);
		}
		if (!pair) throw new Error('no two ids with the same hash among the candidates');
		const ids = new PackedIds();
		for (const id of [pair[0], pair[1], pair[0], pair[1]]) ids.append(id);
		expect(ids.dedupe()).toBe(2);
		expect(idsOf(ids)).toEqual(pair);
		const diff = diffIds(PackedIds.of([pair[0]]), PackedIds.of([pair[1]]));
		expect([idsOf(diff.entered), idsOf(diff.left), diff.unchanged]).toEqual([[pair[1]], [pair[0]], 0]);
	});

	it('writes the JSON elements JSON.stringify would, for the whole list and for views of it', () => {
		const ids = PackedIds.of(AWKWARD);
		const elements = (list: Parameters<typeof jsonElementsOf>[0]) =>
			jsonElementsOf(list, { open: Buffer.from('['), prefix: Buffer.from('{"id":"'), suffix: Buffer.from('"}'), close: Buffer.from(']') })!.toString();
		const expected = (strings: string[]) => JSON.stringify(strings.map((id) => ({ id })));
		expect(elements(ids)).toBe(expected(AWKWARD));
		expect(elements(ids.slice(2, 6))).toBe(expected(AWKWARD.slice(2, 6)));
		expect(elements(ids.slice(2, 6).slice(1))).toBe(expected(AWKWARD.slice(3, 6)));
		expect(elements(ids.pick(Int32Array.from([5, 0, 9])).slice(1, 3))).toBe(expected([AWKWARD[0], AWKWARD[9]]));
		expect(elements(ids.slice(3, 3))).toBe('[]');
		expect(JSON.parse(elements(ids))).toEqual(AWKWARD.map((id) => ({ id })));
	});

	it('gives its bytes as the ids joined by line breaks only while no id is stored escaped', () => {
		expect(Buffer.from(PackedIds.of(['a', 'é', 'c']).joinedBytes()!).toString()).toBe('a\né\nc');
		expect(PackedIds.of(['a', 'b"']).joinedBytes()).toBeUndefined();
		expect(PackedIds.of([]).joinedBytes()!.length).toBe(0);
	});

	it('goes through a Sync Changes state and back, escaped ids included', async () => {
		// The state is UTF-8 text with an id per line: no line break, no lone surrogate.
		const ids = [...AWKWARD.filter((id) => !id.includes('\n') && id !== '' && !/[\ud800-\udfff]/.test(id)), ...Array.from({ length: 5000 }, (_, n) => `user-${n}`)];
		for (const list of [PackedIds.of(ids), PackedIds.of(ids.slice(AWKWARD.length))]) {
			const decoded = await decodeState(await encodeState(list));
			expect(decoded.ok && idsOf(decoded.ids)).toEqual(idsOf(list));
		}
	});

	it('counts lines with or without a final line break', () => {
		expect([countLines(Buffer.from('')), countLines(Buffer.from('a')), countLines(Buffer.from('a\nb\n')), countLines(Buffer.from('a\n\nb'))]).toEqual([0, 1, 2, 3]);
	});

	it('diffs views in each list\'s order', () => {
		const diff = diffIds(PackedIds.of(['e', 'c', 'a"']), PackedIds.of(['f', 'c', 'a"', 'd']));
		expect([idsOf(diff.entered), idsOf(diff.left), diff.unchanged]).toEqual([['f', 'd'], ['e'], 2]);
	});
});

describe('MemberCollector.addLines', () => {
	/** What reading each line with add gives: how every line was read before addLines. */
	const lineByLine = (text: string, maxLength?: number) => {
		const collector = new MemberCollector(maxLength);
		for (const line of text.split('\n')) if (line !== '') collector.add(line, undefined, { itemIndex: 0 });
		return collector.finish();
	};
	const viaLines = (text: string, maxLength?: number) => {
		const collector = new MemberCollector(maxLength);
		collector.addLines(text, { itemIndex: 0 });
		return collector.finish();
	};
	const texts = {
		plain: 'user-1\nuser-2\nuser-1\n\nuser-3\n',
		'CRLF and spaces': 'a\r\n b\n\tc \nb\n \n\u00a0d\u00a0\ne\ufeff\n',
		escapes: `${AWKWARD.filter((id) => !id.includes('\n')).join('\n')}\n`,
		'lone surrogate': 'a\ud800b\nc\n',
		'too long': `${'x'.repeat(7)}\nshort\n${'é'.repeat(4)}\n${'é'.repeat(3)}\n`,
		'no final line break': 'a\nb',
	};

	it.each(Object.entries(texts))('reads %s as add reads each line', (_name, text) => {
		const expected = lineByLine(text, 6);
		const actual = viaLines(text, 6);
		expect(idsOf(actual.ids)).toEqual(idsOf(expected.ids));
		expect(actual.counts).toEqual(expected.counts);
		expect(actual.invalidSamples).toEqual(expected.invalidSamples);
	});

	/** Ids that are their own bytes (taken as the store's bytes), with repeats and UTF-8 inside, one per line. */
	const plainIds = Array.from({ length: 30_000 }, (_unused, n) => (n % 5 === 0 ? `user-${n % 101}` : n % 7 === 0 ? `u-é-ß-${n}` : `user-${n}`));
	const plainText = `${plainIds.join('\n')}\n`;
	// One line each that the store cannot take as it stands: the text is then read line by line.
	const spoilers = {
		'an empty line': '',
		'a leading space': ' user-x',
		'a trailing tab': 'user-x\t',
		'a quote': 'user-"x"',
		'a backslash': 'user\\x',
		'a control character': 'user\u0001x',
		'a non-ASCII first character': 'é-user',
		'a line too long': 'x'.repeat(21),
	};

	it('takes a text of ids as they stand as its own bytes: the same ids, counts and order as line by line', () => {
		const actual = viaLines(plainText, 20);
		const expected = lineByLine(plainText, 20);
		expect(idsOf(actual.ids)).toEqual(idsOf(expected.ids));
		expect(actual.counts).toEqual(expected.counts);
		expect(actual.counts.duplicates).toBeGreaterThan(0);
		// Long lines first, then short ones: more lines than its first 64 KB let it expect.
		const unevenText = `${Array.from({ length: 5000 }, (_unused, n) => `long-id-${n}`.padEnd(20, 'x')).join('\n')}\n${Array.from({ length: 60_000 }, (_unused, n) => `s${n % 50_000}`).join('\n')}\n`;
		const uneven = viaLines(unevenText, 20);
		expect(idsOf(uneven.ids)).toEqual(idsOf(lineByLine(unevenText, 20).ids));
		expect(uneven.counts).toEqual(lineByLine(unevenText, 20).counts);
	});

	/** The ids as a write's JSON body holds them, read back. */
	const inJson = (list: Parameters<typeof jsonElementsOf>[0]) =>
		JSON.parse(jsonElementsOf(list, { open: Buffer.from('['), prefix: Buffer.from('"'), suffix: Buffer.from('"'), close: Buffer.from(']') })!.toString()) as string[];

	it.each(Object.entries(spoilers))('reads a text with %s, first or last, as add reads each line', (_name, line) => {
		for (const text of [`${line}\n${plainText}`, `${plainText}${line}\n`]) {
			const actual = viaLines(text, 20);
			const expected = lineByLine(text, 20);
			expect(idsOf(actual.ids)).toEqual(idsOf(expected.ids));
			expect(inJson(actual.ids)).toEqual(idsOf(expected.ids));
			expect(actual.counts).toEqual(expected.counts);
			expect(actual.invalidSamples).toEqual(expected.invalidSamples);
		}
	});

	it('keeps adding after a text it took as its own bytes: another text, single ids, repeats across them', () => {
		const collector = new MemberCollector(20);
		collector.addLines(plainText, { itemIndex: 0 });
		collector.addLines('user-1\nnew-1\nu-é-ß-7\n', { itemIndex: 1 });
		collector.add('new-2');
		collector.add('user-3');
		const actual = collector.finish();
		const expected = lineByLine(`${plainText}user-1\nnew-1\nu-é-ß-7\nnew-2\nuser-3\n`, 20);
		expect(idsOf(actual.ids)).toEqual(idsOf(expected.ids));
		expect(actual.counts).toEqual(expected.counts);
	});
});

describe('MemberCollector.addUtf8', () => {
	it('reads each field as add reads its text: spaces, escapes, non-ASCII, invalid UTF-8, too long, repeats', () => {
		const fields = [
			...['user-1', ' u-2', 'u-3 ', 'u-4\t', 'user-1', '', '  ', 'a"b', 'back\\slash', 'tab\there', 'é', 'user-é', '\u00a0x', 'x'.repeat(7), 'x'.repeat(6)].map((field) => Buffer.from(field)),
			Buffer.from([0x75, 0xff, 0x76]),
			Buffer.from([0x75, 0xc3]),
		];
		const viaText = new MemberCollector(6);
		const viaBytes = new MemberCollector(6);
		// Each field sits inside a bigger buffer, as a CSV field does.
		fields.forEach((field, line) => {
			viaText.add(field.toString('utf8'), undefined, { line });
			const padded = Buffer.concat([Buffer.from('ab,'), field, Buffer.from(',cd')]);
			viaBytes.addUtf8(padded, 3, 3 + field.length, { line });
		});
		const [expected, actual] = [viaText.finish(), viaBytes.finish()];
		expect(idsOf(actual.ids)).toEqual(idsOf(expected.ids));
		expect(actual.counts).toEqual(expected.counts);
		expect(actual.invalidSamples).toEqual(expected.invalidSamples);
	});
});

describe('MemberCollector.expectFileBytes', () => {
	it('collects the same ids whatever room it was told to make, and ignores a size that is not one', () => {
		const ids = Array.from({ length: 50_000 }, (_unused, n) => (n % 4 === 0 ? `user-${n % 97}` : `user-${n}-é`));
		const collect = (fileBytes?: unknown) => {
			const collector = new MemberCollector();
			collector.expectFileBytes(fileBytes as number);
			for (const id of ids) collector.addUtf8(Buffer.from(id), 0, Buffer.byteLength(id));
			const { ids: kept, counts } = collector.finish();
			return { ids: idsOf(kept), counts };
		};
		const expected = collect(undefined);
		// Too little room (the store grows past it), plenty, and sizes n8n would never give.
		for (const fileBytes of [10, 5_000_000, 0, -3, Number.NaN, 1.5, '63 MB']) expect(collect(fileBytes)).toEqual(expected);
	});
});
