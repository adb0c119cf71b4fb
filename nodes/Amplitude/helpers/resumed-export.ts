/**
 * Checks for "Resume Export Request ID": the export must belong to the chosen cohort (Amplitude's status
 * answer names it in `cohort_id`), and one left in the node for later scheduled runs is flagged once it is
 * older than an hour, since each run would re-download the same old members.
 *
 * Amplitude's status answer gives no creation time, so the age is counted from the first time this node
 * started or resumed the export, kept in the node's static data (saved by n8n after production runs only).
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

const SEEN_KEY = 'amplitudeExportsSeen';
/** The /file URL lives seven days; a few dozen ids are plenty. */
const KEEP_IDS = 50;
export const OLD_EXPORT_MS = 3600 * 1000;

export interface ResumedExportNote {
	requestId: string;
	/** ISO time this node first started or resumed the export. */
	firstSeen: string;
	ageMinutes: number;
	warning?: string;
}

function seenTable(ctx: IExecuteFunctions): Record<string, string> {
	const data = ctx.getWorkflowStaticData('node') as IDataObject;
	const table = data[SEEN_KEY];
	return table && typeof table === 'object' && !Array.isArray(table) ? (table as Record<string, string>) : {};
}

/** Records when this node first met an export (started or resumed); returns that time. */
export function noteExportSeen(ctx: IExecuteFunctions, requestId: string, now = Date.now()): number {
	const table = seenTable(ctx);
	const known = Date.parse(table[requestId] ?? '');
	if (Number.isFinite(known)) return known;
	const entries = Object.entries({ ...table, [requestId]: new Date(now).toISOString() })
		.sort(([, a], [, b]) => Date.parse(b) - Date.parse(a))
		.slice(0, KEEP_IDS);
	// A new top-level value: n8n notices changes to static data at that level.
	(ctx.getWorkflowStaticData('node') as IDataObject)[SEEN_KEY] = Object.fromEntries(entries);
	return now;
}

export function checkResumedCohort(
	ctx: IExecuteFunctions,
	requestId: string,
	chosenCohortId: string,
	answeredCohortId: string | undefined,
	itemIndex: number,
): void {
	if (answeredCohortId === undefined || answeredCohortId === chosenCohortId) return;
	throw new NodeOperationError(
		ctx.getNode(),
		`Export request ${requestId} belongs to cohort "${answeredCohortId}", not to the chosen cohort "${chosenCohortId}"`,
		{
			itemIndex,
			description:
				'The option "Resume Export Request ID" holds an export of another cohort. Clear it to start a new export of the chosen cohort, or choose the cohort it belongs to.',
		},
	);
}

/** The note for the output, with a warning (also shown as an execution hint) past one hour. */
export function resumedExportNote(ctx: IExecuteFunctions, requestId: string, firstSeenMs: number, now = Date.now()): ResumedExportNote {
	const ageMs = Math.max(0, now - firstSeenMs);
	const note: ResumedExportNote = {
		requestId,
		firstSeen: new Date(firstSeenMs).toISOString(),
		ageMinutes: Math.floor(ageMs / 60_000),
	};
	if (ageMs >= OLD_EXPORT_MS) {
		note.warning =
			`Resumed export ${requestId} was first used by this node ${note.ageMinutes} minutes ago: its members may be out of date. ` +
			'Clear the option "Resume Export Request ID" so that the next runs export the cohort afresh.';
		ctx.logger.warn(note.warning);
		// addExecutionHints: n8n ≥ 1.3x; older versions only get the log line and the output field.
		if (typeof ctx.addExecutionHints === 'function') {
			ctx.addExecutionHints({ message: note.warning, type: 'warning', location: 'outputPane' });
		}
	}
	return note;
}
