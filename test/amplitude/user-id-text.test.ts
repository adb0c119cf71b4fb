/**
 * The compact output's text form, read from an export file the way Get cohort reads it: each user ID
 * copied from the export's bytes, compared with the list form of the same file, which reads each ID as
 * text on its own (a different path through the reader).
 */
import { NodeOperationError, type INode } from 'n8n-workflow';

import { readExportMembers } from '../../nodes/Amplitude/helpers/members';
import { collectUserIds } from '../../nodes/Amplitude/output/compact';
import { emptyCounts } from '../../nodes/Amplitude/output/counts';
import { UserIdText } from '../../nodes/Amplitude/output/user-id-text';

const where = { node: { name: 'Get cohort' } as INode, itemIndex: 3 };

async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
	for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

/** The file read twice at most: a last record without a line break is trusted once a second download ends on it. */
const read = (file: Buffer, pieceSize: number, onRowBytes?: UserIdText['row']) =>
	readExportMembers({ first: pieces(file, pieceSize), reopen: async () => pieces(file, pieceSize), maxRestarts: 1, userIdOnly: true, onRowBytes });

async function asText(file: Buffer, pieceSize: number) {
	const counts = emptyCounts();
	const text = new UserIdText(counts, where);
	return { userIds: await text.collect(read(file, pieceSize, text.row)), counts };
}

/** What the list form reads from the same file, joined the way the text promises: each ID ended by a line break. */
async function asJoinedList(file: Buffer, pieceSize: number) {
	const { userIds, ...counts } = await collectUserIds(read(file, pieceSize));
	return { userIds: userIds.map((id) => `${id}\n`).join(''), counts };
}

/** Quoted, escaped, bare, a bare field holding a quote, 2- and 4-byte UTF-8, anonymous members. */
function userIdField(serial: number): string {
	if (serial % 7 === 0) return serial % 2 === 0 ? '""' : '';
	if (serial % 13 === 0) return `o"neil-${serial}`;
	if (serial % 11 === 0) return `"say ""hi"", é ${serial}"`;
	if (serial % 5 === 0) return `"usér-${serial}-👍"`;
	return serial % 3 === 0 ? `user-${serial}` : `"user-${serial}"`;
}

function exportFile(count: number, header = 'amplitude_id,user_id,plan\n'): Buffer {
	const lines = [header];
	for (let serial = 0; serial < count; serial++) lines.push(`"${100_000_000 + serial}",${userIdField(serial)},"pro"\n`);
	return Buffer.from(lines.join(''));
}

describe('UserIdText', () => {
	it.each([7, 1000, 30_000, 65_536])('gives the IDs the list gives, each ended by a line break (pieces of %i bytes)', async (pieceSize) => {
		// 100,000 members: the buffer grows past its first MB.
		const file = exportFile(100_000);
		const text = await asText(file, pieceSize);
		expect(text).toEqual(await asJoinedList(file, pieceSize));
		expect(text.counts).toEqual({ memberCount: 100_000, anonymousCount: Math.ceil(100_000 / 7) });
		expect(text.userIds.length).toBeGreaterThan(1_000_000);
		expect(text.userIds).toContain('\nsay "hi", é 11\n');
		expect(text.userIds).toContain('\nusér-5-👍\n');
		expect(text.userIds).toContain('\no"neil-13\n');
	});

	it('keeps IDs longer than a piece of the text whole, characters of two bytes included', async () => {
		// Odd lengths put a two-byte character across every fixed offset.
		const ids = [`x${'é'.repeat(300_000)}`, 'short', `y${'a'.repeat(700_001)}`, 'é'];
		const file = Buffer.from(`amplitude_id,user_id\n${ids.map((id, n) => `${n},"${id}"\n`).join('')}`);
		const text = await asText(file, 65_536);
		expect(text.userIds).toBe(ids.map((id) => `${id}\n`).join(''));
	});

	it('turns bytes that are not UTF-8 into U+FFFD where they are, as the list does', async () => {
		const file = Buffer.concat([
			Buffer.from('amplitude_id,user_id\n1,"u'),
			Buffer.from([0xff]),
			Buffer.from('1"\n2,v'),
			// The first byte of a two-byte character, cut by the end of the field.
			Buffer.from([0xc3]),
			Buffer.from('\n3,"w"\n'),
		]);
		const text = await asText(file, 5);
		expect(text.userIds).toBe('u\ufffd1\nv\ufffd\nw\n');
		expect(text).toEqual(await asJoinedList(file, 5));
	});

	it('reads a last record without a line break, as text, once a second download ends on it too', async () => {
		const file = Buffer.from('amplitude_id,user_id\n1,"a"\n2,"b"\n3,"ünïcode ""x"""');
		const text = await asText(file, 4);
		expect(text.userIds).toBe('a\nb\nünïcode "x"\n');
		expect(text).toEqual(await asJoinedList(file, 4));
		const anonymousLast = await asText(Buffer.from('amplitude_id,user_id\n1,"a"\n2,'), 4);
		expect(anonymousLast).toEqual({ userIds: 'a\n', counts: { memberCount: 2, anonymousCount: 1 } });
	});

	it('gives "" for no member, or only anonymous ones', async () => {
		expect((await asText(Buffer.from('amplitude_id,user_id\n'), 64)).userIds).toBe('');
		expect(await asText(Buffer.from('amplitude_id,user_id\n1,""\n2,\n'), 64)).toEqual({ userIds: '', counts: { memberCount: 2, anonymousCount: 2 } });
	});

	it('fails the item, naming the member, when a user ID holds a line break (it would read as two IDs)', async () => {
		const file = Buffer.from('amplitude_id,user_id\n1,"a"\n2,"b"\n3,"c"\n4,"two\nlines"\n');
		await expect(asText(file, 64)).rejects.toThrow(NodeOperationError);
		await expect(asText(file, 64)).rejects.toMatchObject({
			message: 'The user ID of member 4 holds a line break: it cannot go in a text with one ID per line',
			description: 'Set "User IDs As" to "List", or Output Format to "CSV File".',
			context: { itemIndex: 3 },
		});
		// In a last record without a line break too.
		await expect(asText(Buffer.from('amplitude_id,user_id\n1,"two\nlines"'), 64)).rejects.toMatchObject({ context: { itemIndex: 3 } });
		// The list form keeps such an ID as it is.
		expect((await asJoinedList(file, 64)).userIds).toBe('a\nb\nc\ntwo\nlines\n');
	});
});
