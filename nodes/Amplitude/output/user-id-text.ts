/**
 * The compact output's text form: the user IDs joined into one text, each ended by a line break, built from
 * the export's bytes as they are read. Each ID's bytes are copied into one growing buffer, outside V8's
 * heap, and the text is made once, at the end. Making it from strings meant the text of every 1 MB piece of
 * the download, a slice per ID and a joined string per piece: a hundred MB and more that the garbage
 * collector had to go through during the download, for a 2,000,000-member cohort.
 */
import { NodeOperationError, type INode } from 'n8n-workflow';

import type { RawField } from '../../shared/csv';
import type { MemberRows, MemberRowSink } from '../helpers/members';
import type { MemberCounts } from './counts';

const LF = 10;
const QUOTE = 34;
const FIRST_BUFFER_BYTES = 1 << 20;
const TEXT_PIECE_BYTES = 1 << 19;

export class UserIdText {
	private bytes = Buffer.allocUnsafe(FIRST_BUFFER_BYTES);

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
	 * The IDs, each ended by a line break ("" for no ID). Decoding the bytes as a whole gives the text that
	 * decoding each ID would: the line breaks between them are ASCII, so an invalid UTF-8 sequence still ends
	 * where its ID ends and becomes U+FFFD there.
	 */
	text(): string {
		const encoding = (this.highBits & 0x80) === 0 ? 'latin1' : 'utf8';
		const parts: string[] = [];
		for (let at = 0; at < this.used; ) {
			const end = this.pieceEnd(at);
			parts.push(this.bytes.toString(encoding, at, end));
			at = end;
		}
		this.bytes = Buffer.alloc(0);
		return parts.join('');
	}

	/**
	 * Where the piece of the text starting at `at` ends: after the last line break within TEXT_PIECE_BYTES
	 * (or the first one after, for a longer ID), so no character is cut. Node makes a text of more than about
	 * 1 MB of Latin-1 bytes an external string, outside V8's heap, and the Upsert was slower over the same
	 * IDs in it (about 2 s at 1,800,000 IDs in a bench run); pieces under that size, joined, make one
	 * ordinary string.
	 */
	private pieceEnd(at: number): number {
		const end = at + TEXT_PIECE_BYTES;
		if (end >= this.used) return this.used;
		const lastBreak = this.bytes.lastIndexOf(LF, end - 1);
		// Every ID ends with a line break, the last byte used included: there is one at `end` or after.
		return lastBreak >= at ? lastBreak + 1 : this.bytes.indexOf(LF, end) + 1;
	}

	private appendField({ bytes, start, end, escaped }: RawField): void {
		if (end === start) {
			this.counts.anonymousCount++;
			return;
		}
		this.reserve(end - start + 1);
		const target = this.bytes;
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
		this.reserve(length + 1);
		this.used += this.bytes.write(id, this.used, 'utf8');
		this.bytes[this.used++] = LF;
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

	private reserve(extra: number): void {
		if (this.used + extra <= this.bytes.length) return;
		const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + extra));
		this.bytes.copy(bigger, 0, 0, this.used);
		this.bytes = bigger;
	}
}
