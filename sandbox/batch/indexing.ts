/**
 * Asynchronous indexing of one audience, as Batch describes it: each write returns a token that reads
 * IN_PROGRESS for a while and then APPLIED (or REPLACED once a later replace superseded it), and the
 * audience's `nb_ids` only moves when a write's indexing is done.
 */
import { randomBytes } from 'node:crypto';

export type IndexingState = 'IN_PROGRESS' | 'APPLIED' | 'REPLACED';

interface IssuedToken {
	sequence: number;
	appliesAt: number;
}

export class AudienceIndexing {
	private readonly tokens = new Map<string, IssuedToken>();

	/** Member counts of writes not indexed yet, oldest first. */
	private pending: Array<{ appliesAt: number; count: number }> = [];

	private appliedCount: number;

	private lastAppliesAt = 0;

	private lastReplaceSequence = -1;

	private sequence = 0;

	constructor(
		initialCount: number,
		private readonly delayMs: () => number,
		private readonly now: () => number = Date.now,
	) {
		this.appliedCount = initialCount;
	}

	/** Records a write that leaves the audience with `countAfter` members; returns its indexing token. */
	recordWrite(countAfter: number, isReplace: boolean): string {
		const sequence = ++this.sequence;
		// Writes are indexed in order: one never becomes visible before an earlier one.
		const appliesAt = Math.max(this.now() + this.delayMs(), this.lastAppliesAt);
		this.lastAppliesAt = appliesAt;
		if (isReplace) this.lastReplaceSequence = sequence;
		const token = newIndexingToken();
		this.tokens.set(token, { sequence, appliesAt });
		this.pending.push({ appliesAt, count: countAfter });
		return token;
	}

	/** The member count Batch would report now: that of the last write whose indexing is done. */
	visibleCount(): number {
		this.settle();
		return this.appliedCount;
	}

	/**
	 * State of one token, or undefined if this audience never issued it. `reportReplaced` is off for the
	 * Custom Audience API, whose documented states are only IN_PROGRESS and APPLIED.
	 */
	stateOf(token: string, reportReplaced: boolean): IndexingState | undefined {
		const issued = this.tokens.get(token);
		if (!issued) return undefined;
		if (reportReplaced && this.lastReplaceSequence > issued.sequence) return 'REPLACED';
		return this.now() >= issued.appliesAt ? 'APPLIED' : 'IN_PROGRESS';
	}

	/** State of the audience as a whole: IN_PROGRESS while any write is still being indexed. */
	currentState(): IndexingState {
		this.settle();
		return this.pending.length > 0 ? 'IN_PROGRESS' : 'APPLIED';
	}

	private settle(): void {
		const now = this.now();
		while (this.pending.length > 0 && this.pending[0].appliesAt <= now) {
			this.appliedCount = this.pending.shift()!.count;
		}
	}
}

/** A fresh token, for writes whose indexing cannot be watched afterwards (an audience deletion). */
export function newIndexingToken(): string {
	return randomBytes(16).toString('hex');
}
