/**
 * The compact output's text form: the user IDs joined into one text, each ended by a line break, built from
 * the export's bytes as they are read. Each ID's bytes are copied into chunks outside V8's heap, and the
 * text is made once, at the end. Making it from strings meant the text of every 1 MB piece of
 * the download, a slice per ID and a joined string per piece: a hundred MB and more that the garbage
 * collector had to go through during the download, for a 2,000,000-member cohort.
 */
import { NodeOperationError, type INode } from 'n8n-workflow';

import type { RawField } from '../../shared/csv';
import type { MemberRows, MemberRowSink } from '../helpers/members';
import type { MemberCounts } from './counts';

const LF = 10;
const QUOTE = 34;
/**
 * The IDs are copied into chunks of this size (an ID longer than that gets a chunk of its own), never into
 * a buffer grown by doubling: V8 counts every buffer as external memory until it collects it, and the
 * copies of a doubling buffer add up to twice the text. Under 1 MB, a chunk also decodes to an ordinary
 * string (joined with the others at the end): Node makes a bigger Latin-1 text an
 * external string, outside V8's heap, and the Upsert was slower over the IDs in one (about 2 s at 1,800,000
 * IDs in a bench run).
 */
const CHUNK_BYTES = 1 << 19;

export class UserIdText {
	/** Full chunks, each ending with an ID's line break: each decodes on its own. */
	private readonly full: Buffer[] = [];

	private chunk = Buffer.allocUnsafe(CHUNK_BYTES);

	private used = 0;

	/** The high bits of every byte copied: whether the text must be decoded as UTF-8. */
	private highBits = 0;

	constructor(
		private readonly counts: MemberCounts,
		private readonly where: { node: INode; itemIndex: number },
	) {}

	/** The reader's onRowBytes: one member, its user ID as the export's bytes (or as text in a last record without a line break). */
	readonly row: MemberRowSink = (columns, values, raw) => {
		this.counts.memberCount++;
		if (raw) this.appendField(raw[columns.userId]);
		else this.appendText(values[columns.userId]);
	};

	/** Reads every group (the rows go to `row`), then gives the text. */
	async collect(groups: AsyncIterable<MemberRows>): Promise<string> {
		// The groups carry counts only: each row went to `row` as it was read.
		const rows = groups[Symbol.asyncIterator]();
		while (!(await rows.next()).done);
		return this.text();
	}

	/**
	 * The IDs, each ended by a line break ("" for no ID), as one string (the join of the chunks' texts).
	 * Decoding the bytes chunk by chunk gives the text that decoding each ID would: no ID spans two chunks,
	 * and the line breaks between IDs are ASCII, so an invalid UTF-8 sequence still ends where its ID ends
	 * and becomes U+FFFD there.
	 */
	text(): string {
		const encoding = (this.highBits & 0x80) === 0 ? 'latin1' : 'utf8';
		const parts = this.full.map((chunk) => chunk.toString(encoding));
		parts.push(this.chunk.toString(encoding, 0, this.used));
		this.full.length = 0;
		this.chunk = Buffer.alloc(0);
		this.used = 0;
		return parts.join('');
	}

	private appendField({ bytes, start, end, escaped }: RawField): void {
		if (end === start) {
			this.counts.anonymousCount++;
			return;
		}
		this.makeRoom(end - start + 1);
		const target = this.chunk;
		let used = this.used;
		let highBits = 0;
		for (let at = start; at < end; at++) {
			const byte = bytes[at];
			if (byte === LF) this.failOnLineBreak();
			highBits |= byte;
			target[used++] = byte;
			// A quoted field's `""` is one quote in the text.
			if (byte === QUOTE && escaped) at++;
		}
		target[used++] = LF;
		this.used = used;
		this.highBits |= highBits;
	}

	private appendText(id: string): void {
		if (id === '') {
			this.counts.anonymousCount++;
			return;
		}
		if (id.includes('\n')) this.failOnLineBreak();
		const length = Buffer.byteLength(id, 'utf8');
		this.makeRoom(length + 1);
		this.used += this.chunk.write(id, this.used, 'utf8');
		this.chunk[this.used++] = LF;
		if (length !== id.length) this.highBits |= 0x80;
	}

	/** A user ID that holds a line break would read as two: the item fails instead, pointing to the list form. */
	private failOnLineBreak(): never {
		throw new NodeOperationError(
			this.where.node,
			`The user ID of member ${this.counts.memberCount} holds a line break: it cannot go in a text with one ID per line`,
			{ itemIndex: this.where.itemIndex, description: 'Set "User IDs As" to "List", or Output Format to "CSV File".' },
		);
	}

	/** Starts a new chunk when the next ID and its line break might not fit in this one. */
	private makeRoom(bytes: number): void {
		if (this.used + bytes <= this.chunk.length) return;
		if (this.used > 0) this.full.push(this.chunk.subarray(0, this.used));
		this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
		this.used = 0;
	}
}
