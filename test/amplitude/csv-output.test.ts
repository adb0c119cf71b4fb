/**
 * The CSV File output's bytes, read from an export file the way Get cohort reads it: every field quoted,
 * quotes doubled, the same file whatever the export's quoting, handed to n8n in few, large chunks.
 */
import { formatCsvLine } from '../../nodes/shared/csv';
import { readExportMembers } from '../../nodes/Amplitude/helpers/members';
import { MemberCsvFile, type MemberCsvSettings } from '../../nodes/Amplitude/output/binary';
import { emptyCounts } from '../../nodes/Amplitude/output/counts';

/** Some IDs take 2 and 4 bytes a character in UTF-8, some hold quotes, before or after other characters. */
const userId = (serial: number) => {
	if (serial % 13 === 0) return `o"neil-${serial}`;
	if (serial % 11 === 0) return serial % 2 === 0 ? `"quoted" ${serial}` : `say "hi", é ${serial}`;
	return serial % 5 === 0 ? `usér-${serial}-👍` : `user-${serial}`;
};

/** A member of the export: its fields as the file holds them, and as text. */
interface ExportRow {
	bytes: Buffer;
	values: string[];
}

/**
 * A field the way an export may hold it: quoted (Amplitude's files), or bare when nothing in it needs
 * quotes, as any CSV may; a bare field may even hold a quote that does not open it.
 */
function encodeField(value: string, bare: boolean): string {
	if (bare && !/[",\r\n]/.test(value)) return value;
	if (bare && /^[^"]+"[^",\r\n]*$/.test(value)) return value;
	return `"${value.replace(/"/g, '""')}"`;
}

function exportRow(values: string[], serial: number): ExportRow {
	const line = values.map((value, column) => encodeField(value, (serial + column) % 3 === 0)).join(',');
	return { bytes: Buffer.from(`${line}\n`), values };
}

/** Members 0 to count - 1, every seventh anonymous, with a plan. */
function members(count: number): ExportRow[] {
	return Array.from({ length: count }, (_unused, serial) =>
		exportRow([String(100_000_000 + serial), serial % 7 === 0 ? '' : userId(serial), 'pro'], serial),
	);
}

const HEADER = Buffer.from('amplitude_id,user_id,plan\n');

async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
	for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

const SKIP_ANONYMOUS: MemberCsvSettings = { skipAnonymous: true, withAmplitudeId: true };

/** The CSV File made from the export `file`, read in pieces of `pieceSize` bytes. */
async function csvFile(file: Buffer, settings: MemberCsvSettings, pieceSize = 30_000, userIdOnly = false) {
	const counts = emptyCounts();
	const output = new MemberCsvFile(settings, counts);
	const groups = readExportMembers({
		first: pieces(file, pieceSize),
		// A file whose last record has no line break is read twice before it is trusted.
		reopen: async () => pieces(file, pieceSize),
		maxRestarts: 1,
		userIdOnly,
		onRowBytes: output.row,
	});
	const chunks: Buffer[] = [];
	for await (const chunk of output.chunks(groups)) chunks.push(chunk);
	return { chunks, text: Buffer.concat(chunks).toString(), counts };
}

const exportFile = (rows: ExportRow[], header = HEADER) => Buffer.concat([header, ...rows.map((row) => row.bytes)]);

describe('CSV File output', () => {
	it('quotes every field and doubles the quotes inside one', () => {
		expect(formatCsvLine(['1', 'say "hi", then go', '', 'line\nbreak'])).toBe('"1","say ""hi"", then go","","line\nbreak"\n');
	});

	it('writes each member as its text, whatever the export quoted, and hands the file over in chunks of about 1 MB', async () => {
		const rows = members(200_000);
		// Pieces of 30 KB: the download's pieces are this small.
		const { chunks, text, counts } = await csvFile(exportFile(rows), SKIP_ANONYMOUS);
		const expected = ['"amplitude_id","user_id","plan"\n'];
		for (const { values } of rows) if (values[1] !== '') expected.push(formatCsvLine(values));
		expect(text).toBe(expected.join(''));
		expect(counts).toMatchObject({ memberCount: 200_000, anonymousCount: Math.ceil(200_000 / 7) });
		expect(chunks.length).toBeLessThan(10);
		// A chunk is handed on early when the next row might not fit (up to 3 bytes a byte of the export).
		for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThan(900_000);
	});

	it('turns bytes that are not UTF-8 into U+FFFD, as the text does, in quoted and bare fields', async () => {
		const invalid = Buffer.from([0x75, 0xff, 0x31]); // "u", a byte UTF-8 never uses, "1"
		const cut = Buffer.from([0x76, 0xc3]); // "v", then the first byte of a two-byte character
		const file = Buffer.concat([
			HEADER,
			Buffer.from('"1","'),
			invalid,
			Buffer.from('","pro"\n2,'),
			cut,
			Buffer.from(',"fr""ee"\n'),
		]);
		const { chunks } = await csvFile(file, SKIP_ANONYMOUS, 7);
		// Compared as bytes: decoding the file would hide a byte copied as it was.
		expect(Buffer.concat(chunks).toString('hex')).toBe(Buffer.from(['"amplitude_id","user_id","plan"\n', formatCsvLine(['1', 'u\ufffd1', 'pro']), formatCsvLine(['2', 'v\ufffd', 'fr"ee'])].join('')).toString('hex'));
	});

	it('reads a last record without a line break, once a second download ends on it too', async () => {
		const rows = members(20);
		const file = exportFile(rows);
		const { text, counts } = await csvFile(file.subarray(0, file.length - 1), SKIP_ANONYMOUS, 64);
		const expected = ['"amplitude_id","user_id","plan"\n'];
		for (const { values } of rows) if (values[1] !== '') expected.push(formatCsvLine(values));
		expect(text).toBe(expected.join(''));
		expect(counts.memberCount).toBe(20);
	});

	it('leaves amplitude_id out when asked, and with it the anonymous members, even when not skipping them', async () => {
		const settings = { skipAnonymous: false, withAmplitudeId: false };
		const rows = members(30);
		const { text, counts } = await csvFile(exportFile(rows), settings, 50);
		const expected = ['"user_id","plan"\n'];
		for (const { values } of rows) if (values[1] !== '') expected.push(formatCsvLine(values.slice(1)));
		expect(text).toBe(expected.join(''));
		expect(counts).toMatchObject({ memberCount: 30, anonymousCount: 5 });
		// Without properties, the user_id column alone is read.
		const userIds = await csvFile(exportFile(members(30).map(({ values }, serial) => exportRow(values.slice(0, 2), serial)), Buffer.from('amplitude_id,user_id\n')), settings, 50, true);
		expect(userIds.text).toBe(['"user_id"\n', ...rows.filter(({ values }) => values[1] !== '').map(({ values }) => formatCsvLine([values[1]]))].join(''));
		expect((await csvFile(HEADER, settings, 50, true)).text).toBe('"user_id"\n');
	});

	it('keeps anonymous members when asked, with their amplitude_id', async () => {
		const rows = members(15);
		const { text, counts } = await csvFile(exportFile(rows), { skipAnonymous: false, withAmplitudeId: true }, 40);
		expect(text).toBe(['"amplitude_id","user_id","plan"\n', ...rows.map(({ values }) => formatCsvLine(values))].join(''));
		expect(counts).toMatchObject({ memberCount: 15, anonymousCount: 3 });
	});

	it('writes a header and members bigger than a chunk, and hands on no empty chunk', async () => {
		// A property name and a value longer than a chunk can hold at 3 bytes a character.
		const name = 'p'.repeat(400_000);
		const big = 'x'.repeat(1_500_000);
		const rows = [exportRow(['1', 'user-1', 'pro'], 1), exportRow(['2', 'user-2', big], 2), exportRow(['3', 'user-3', 'pro'], 3)];
		const { chunks, text } = await csvFile(exportFile(rows, Buffer.from(`amplitude_id,user_id,${name}\n`)), SKIP_ANONYMOUS, 64 * 1024);
		expect(text).toBe([formatCsvLine(['amplitude_id', 'user_id', name]), ...rows.map(({ values }) => formatCsvLine(values))].join(''));
		expect(chunks.map((chunk) => chunk.length).filter((length) => length === 0)).toEqual([]);
	});

	it('gives the header alone when the cohort is empty or every member is anonymous', async () => {
		expect((await csvFile(Buffer.from('amplitude_id,user_id\n'), SKIP_ANONYMOUS)).text).toBe('"amplitude_id","user_id"\n');
		expect((await csvFile(Buffer.from('amplitude_id,user_id,plan\n1,"",pro\n'), SKIP_ANONYMOUS)).text).toBe('"amplitude_id","user_id","plan"\n');
	});
});
