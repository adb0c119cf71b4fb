/**
 * The order of the report's fields in the output item. n8n's table view shows an item's fields as columns
 * in key order: the outcome first, paragraphs and long lists last, where they don't push the numbers off
 * screen. Names are unchanged; only the order is.
 */

/** What a person checks first after a run. */
const FIRST = ['success', 'added', 'removed', 'unchanged', 'invalid'];

/** Texts and lists that can run long: last, in this order. */
const LAST = ['error', 'fallbackReason', 'notes', 'invalidSamples', 'indexingTokens', 'preview', 'chunkDetails', 'unappliedIds'];

/** A copy of `report` with FIRST's keys first, then every other key in its own order, then LAST's keys. */
export function orderReportFields<T extends object>(report: T): T {
	const source = report as Record<string, unknown>;
	const ordered: Record<string, unknown> = {};
	for (const key of FIRST) if (key in source) ordered[key] = source[key];
	for (const key of Object.keys(source)) if (!FIRST.includes(key) && !LAST.includes(key)) ordered[key] = source[key];
	for (const key of LAST) if (key in source) ordered[key] = source[key];
	return ordered as T;
}
