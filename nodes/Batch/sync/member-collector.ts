/**
 * Validates and dedupes member ids as they stream in, so the input is never held as one item per id.
 * Invalid ids and duplicates are counted (and a few shown) but never sent.
 */
import { countLines, forEachLine, PackedIds } from './packed-ids';
import type { MemberExtras } from './types';

export type InvalidReason = 'empty' | 'nonString' | 'tooLong';

export interface InvalidSample {
	reason: InvalidReason;
	/** The value, shortened, as text. */
	value: string;
	/** Where it came from: the input item, or the CSV line. */
	itemIndex?: number;
	line?: number;
}

export interface MemberOrigin {
	itemIndex?: number;
	line?: number;
}

export interface CollectedMembers {
	/** Unique valid ids, in the order they were first seen. */
	ids: PackedIds;
	/** Attributes and tags of the ids that carry some (the last occurrence wins, as in Batch's update). */
	extras: Map<string, MemberExtras>;
	counts: MemberCounts;
	invalidSamples: InvalidSample[];
}

export interface MemberCounts {
	received: number;
	unique: number;
	duplicates: number;
	invalid: number;
	empty: number;
	nonString: number;
	tooLong: number;
}

export const DEFAULT_MAX_ID_LENGTH = 1024;

const SAMPLE_LIMIT = 10;
const SAMPLE_VALUE_LENGTH = 80;

export class MemberCollector {
	private seen = new PackedIds();

	private readonly extras = new Map<string, MemberExtras>();

	private readonly samples: InvalidSample[] = [];

	private readonly counts: MemberCounts = {
		received: 0,
		unique: 0,
		duplicates: 0,
		invalid: 0,
		empty: 0,
		nonString: 0,
		tooLong: 0,
	};

	constructor(private readonly maxIdLength = DEFAULT_MAX_ID_LENGTH) {}

	/** Takes one candidate id; returns whether it is valid (repeats are removed by finish). */
	add(value: unknown, extras?: MemberExtras, origin: MemberOrigin = {}): boolean {
		this.counts.received++;
		const reason = this.invalidReason(value);
		if (reason) {
			this.counts.invalid++;
			this.counts[reason]++;
			if (this.samples.length < SAMPLE_LIMIT) this.samples.push({ reason, value: preview(value), ...origin });
			return false;
		}
		const id = (value as string).trim();
		if (hasExtras(extras)) this.extras.set(id, extras!);
		this.seen.append(id);
		return true;
	}

	/**
	 * Takes a text of ids, one per line, empty lines skipped: the Amplitude node's compact output. A line
	 * that is already a valid id as it stands (no surrounding space, nothing JSON must escape, not too
	 * long) goes into the set as bytes, with no string made for it; any other line is read by add.
	 */
	addLines(text: string, origin: MemberOrigin = {}): void {
		if (!isWellFormed(text)) {
			for (const line of text.split('\n')) if (line !== '') this.add(line, undefined, origin);
			return;
		}
		const bytes = Buffer.from(text, 'utf8');
		// The usual text (Amplitude's compact output): its bytes become the store's, with no copy.
		const adopted = this.seen.adoptLines(bytes, this.maxIdLength);
		if (adopted !== undefined) {
			this.counts.received += adopted;
			return;
		}
		this.seen.reserveFor(countLines(bytes), bytes.length);
		forEachLine(bytes, (start, end, plainHash) => this.addLine(bytes, start, end, plainHash, origin));
	}

	/**
	 * Makes room, once, for the ids of a file of `fileBytes` bytes read next (an id and its line break take
	 * no more than its row did), up to MAX_RESERVED_BYTES: the store then grows once, not by doubling (buffers
	 * of up to twice the file's size in all, which V8 counts as external memory until it collects them).
	 */
	expectFileBytes(fileBytes: number | undefined): void {
		if (typeof fileBytes === 'number' && Number.isSafeInteger(fileBytes) && fileBytes > 0) {
			this.seen.reserveFor(0, Math.min(fileBytes, MAX_RESERVED_BYTES));
		}
	}

	/**
	 * Takes one candidate id given as UTF-8 bytes (a CSV field), as add takes its text: a printable ASCII
	 * id valid as it stands goes into the set as bytes, with no string made for it (other bytes are
	 * decoded first, which also replaces invalid UTF-8).
	 */
	addUtf8(bytes: Buffer, start: number, end: number, origin: MemberOrigin = {}): boolean {
		const length = end - start;
		if (length > 0 && length <= this.maxIdLength && isEdgeByte(bytes[start]) && isEdgeByte(bytes[end - 1]) && this.seen.appendPlainAscii(bytes, start, end)) {
			this.counts.received++;
			return true;
		}
		return this.add(bytes.toString('utf8', start, end), undefined, origin);
	}

	/** Ends the collection: the ids, each once, in the order they were first seen. */
	finish(): CollectedMembers {
		const ids = this.seen;
		this.seen = new PackedIds();
		const duplicates = ids.dedupe();
		return {
			ids,
			extras: this.extras,
			counts: { ...this.counts, duplicates, unique: ids.length },
			invalidSamples: this.samples,
		};
	}

	private addLine(bytes: Buffer, start: number, end: number, plainHash: number | undefined, origin: MemberOrigin): void {
		// Bytes below 0x80 at both ends: no space (ASCII or Unicode) for trim to take away.
		if (plainHash !== undefined && end - start <= this.maxIdLength && isEdgeByte(bytes[start]) && isEdgeByte(bytes[end - 1])) {
			this.counts.received++;
			this.seen.appendPlainBytes(bytes, start, end, plainHash);
			return;
		}
		this.add(bytes.toString('utf8', start, end), undefined, origin);
	}

	private invalidReason(value: unknown): InvalidReason | undefined {
		if (value === undefined || value === null) return 'empty';
		if (typeof value !== 'string') return 'nonString';
		const id = value.trim();
		if (id === '') return 'empty';
		if (id.length > this.maxIdLength) return 'tooLong';
		return undefined;
	}
}

/** A bigger file's store grows by doubling as before: its id column may be a small part of it. */
const MAX_RESERVED_BYTES = 256 * 1024 * 1024;

function isEdgeByte(byte: number): boolean {
	return byte > 0x20 && byte < 0x80;
}

/** No lone surrogate, which UTF-8 cannot carry (isWellFormed is missing before Node 20). */
function isWellFormed(text: string): boolean {
	const check = (text as { isWellFormed?: () => boolean }).isWellFormed;
	return typeof check === 'function' ? check.call(text) : !/[\ud800-\udfff]/.test(text);
}

function hasExtras(extras: MemberExtras | undefined): boolean {
	if (!extras) return false;
	return (
		(extras.attributes !== undefined && Object.keys(extras.attributes).length > 0) ||
		(extras.tags !== undefined && extras.tags.length > 0)
	);
}

function preview(value: unknown): string {
	let text: string;
	if (value === undefined) text = 'undefined';
	else if (typeof value === 'string') text = JSON.stringify(value);
	else {
		try {
			text = JSON.stringify(value) ?? String(value);
		} catch {
			text = String(value);
		}
	}
	return text.length > SAMPLE_VALUE_LENGTH ? `${text.slice(0, SAMPLE_VALUE_LENGTH)}…` : text;
}
