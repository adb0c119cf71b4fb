/** The CSV File output's bytes: every field quoted, quotes doubled, handed to n8n in few, large chunks. */
import { formatCsvLine } from '../../nodes/shared/csv';
import type { MemberColumns, MemberRows } from '../../nodes/Amplitude/helpers/members';
import { memberCsvChunks } from '../../nodes/Amplitude/output/binary';
import { emptyCounts } from '../../nodes/Amplitude/output/counts';
import { memberRows } from './member-rows';

const columns: MemberColumns = { amplitudeId: 0, userId: 1, properties: [{ index: 2, name: 'plan' }], width: 3 };

/** Some IDs take 2 and 4 bytes a character in UTF-8, some hold quotes, before or after other characters. */
const userId = (serial: number) => {
	if (serial % 11 === 0) return serial % 2 === 0 ? `"quoted" ${serial}` : `say "hi", é ${serial}`;
	return serial % 5 === 0 ? `usér-${serial}-👍` : `user-${serial}`;
};

async function* groups(count: number, rowsPerGroup: number): AsyncGenerator<MemberRows> {
	for (let group = 0; group < count; group++) {
		const rows = Array.from({ length: rowsPerGroup }, (_unused, at) => {
			const serial = group * rowsPerGroup + at;
			return [String(100_000_000 + serial), serial % 7 === 0 ? '' : userId(serial), 'pro'];
		});
		yield memberRows(columns, rows);
	}
}

const SKIP_ANONYMOUS = { skipAnonymous: true, withAmplitudeId: true };

async function collect(chunks: AsyncGenerator<Buffer>): Promise<Buffer[]> {
	const all: Buffer[] = [];
	for await (const chunk of chunks) all.push(chunk);
	return all;
}

describe('CSV File output', () => {
	it('quotes every field and doubles the quotes inside one', () => {
		expect(formatCsvLine(['1', 'say "hi", then go', '', 'line\nbreak'])).toBe('"1","say ""hi"", then go","","line\nbreak"\n');
	});

	it('hands the file over in chunks of about 1 MB, whatever the size of the groups of rows read', async () => {
		// 400 groups of 500 rows, about 30 KB each: the download's pieces are this small.
		const counts = emptyCounts();
		const chunks = await collect(memberCsvChunks(groups(400, 500), SKIP_ANONYMOUS, counts));
		const expected = ['"amplitude_id","user_id","plan"\n'];
		for (let serial = 0; serial < 200_000; serial++) {
			if (serial % 7 !== 0) expected.push(formatCsvLine([String(100_000_000 + serial), userId(serial), 'pro']));
		}
		expect(Buffer.concat(chunks).toString()).toBe(expected.join(''));
		expect(counts).toMatchObject({ memberCount: 200_000, anonymousCount: Math.ceil(200_000 / 7) });
		expect(chunks.length).toBeLessThan(10);
		// A chunk is handed on early when the next group might not fit (up to 3 bytes a character).
		for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThan(900_000);
	});

	it('leaves amplitude_id out when asked, and with it the anonymous members, even when not skipping them', async () => {
		const counts = emptyCounts();
		const settings = { skipAnonymous: false, withAmplitudeId: false };
		const text = Buffer.concat(await collect(memberCsvChunks(groups(3, 10), settings, counts))).toString();
		const expected = ['"user_id","plan"\n'];
		for (let serial = 0; serial < 30; serial++) if (serial % 7 !== 0) expected.push(formatCsvLine([userId(serial), 'pro']));
		expect(text).toBe(expected.join(''));
		expect(counts).toMatchObject({ memberCount: 30, anonymousCount: 5 });
		expect(Buffer.concat(await collect(memberCsvChunks(groups(0, 0), settings, emptyCounts()))).toString()).toBe('"user_id"\n');
	});

	it('gives the header alone when the cohort is empty or every member is anonymous', async () => {
		expect(Buffer.concat(await collect(memberCsvChunks(groups(0, 0), SKIP_ANONYMOUS, emptyCounts()))).toString()).toBe('"amplitude_id","user_id"\n');
		const anonymous = (async function* (): AsyncGenerator<MemberRows> {
			yield memberRows(columns, [['1', '', 'pro']]);
		})();
		expect(Buffer.concat(await collect(memberCsvChunks(anonymous, SKIP_ANONYMOUS, emptyCounts()))).toString()).toBe('"amplitude_id","user_id","plan"\n');
	});
});
