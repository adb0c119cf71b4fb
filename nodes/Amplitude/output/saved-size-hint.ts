/**
 * One item per member is what field mapping wants, but n8n saves every production execution with each
 * node's output (by default): above 100,000 items, the node says what the execution will store and which
 * output costs less.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { formatCount } from '../helpers/cohortFields';

export const ITEMS_HINT_ABOVE = 100_000;

/**
 * Bytes n8n's database grows by per output item, measured with `npm run bench -- --real-n8n` (n8n 2.40.7,
 * SQLite, default execution saving, members without user properties: 151 at 100,000 members, 158 at
 * 1,000,000, 160 at 2,000,000); user properties add their own size.
 */
export const SAVED_BYTES_PER_ITEM = 160;

/** Adds the hint when format `items` output more than ITEMS_HINT_ABOVE items for one input item. */
export function hintSavedSizeOfItems(ctx: IExecuteFunctions, format: string, items: number): void {
	if (format !== 'items' || items <= ITEMS_HINT_ABOVE) return;
	// addExecutionHints: n8n ≥ 1.3x; older versions show no hint.
	if (typeof ctx.addExecutionHints !== 'function') return;
	const megabytes = Math.max(1, Math.round((items * SAVED_BYTES_PER_ITEM) / 1e6));
	ctx.addExecutionHints({
		type: 'warning',
		location: 'outputPane',
		message:
			`${formatCount(items)} items: a saved production execution stores every one of them in n8n's database, ` +
			`about ${formatCount(megabytes)} MB here (~${SAVED_BYTES_PER_ITEM} bytes an item, more with user properties). ` +
			'For big cohorts, set Output Format to "CSV File": the file goes to n8n\'s binary data storage and the execution ' +
			'keeps a few KB (Batch\'s Upsert reads it with Identifiers From "A CSV File (Binary)").',
	});
}

export const ID_LIST_HINT_ABOVE = 500_000;

/**
 * Memory n8n needs, per user ID in the compact item's list, to save the execution (flatted handles every
 * string of an array on its own): measured with `npm run bench -- --real-n8n` at 1,799,667 IDs (n8n 2.40.7,
 * ~17-character IDs), the saving added 380 to 505 MB to n8n's RSS, against 145 to 190 MB for the same IDs
 * as one text.
 */
export const SAVING_BYTES_PER_LISTED_ID = 250;

/** Adds a hint when the compact item lists more than ID_LIST_HINT_ABOVE user IDs in an array. */
export function hintSavingOfIdList(ctx: IExecuteFunctions, userIds: string[] | string): void {
	if (!Array.isArray(userIds) || userIds.length <= ID_LIST_HINT_ABOVE) return;
	if (typeof ctx.addExecutionHints !== 'function') return;
	const megabytes = Math.round((userIds.length * SAVING_BYTES_PER_LISTED_ID) / 1e6);
	ctx.addExecutionHints({
		type: 'warning',
		location: 'outputPane',
		message:
			`${formatCount(userIds.length)} user IDs in a list: to save a production execution, n8n handles each one on its own and ` +
			`needs about ${formatCount(megabytes)} MB more memory for them (~${SAVING_BYTES_PER_LISTED_ID} bytes an ID). Set User IDs As to ` +
			'"Text, One per Line" (Batch\'s Upsert reads both; a list is what Split Out and Code nodes expect), or Output Format to "CSV File".',
	});
}
