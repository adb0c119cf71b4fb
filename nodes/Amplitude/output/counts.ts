/** Counted while members stream by, for the compact and binary summaries and the final message. */
export interface MemberCounts {
	/** Rows in the export file. */
	memberCount: number;
	/** Of those, members without a user ID (anonymous in Amplitude). */
	anonymousCount: number;
}

export function emptyCounts(): MemberCounts {
	return { memberCount: 0, anonymousCount: 0 };
}
