/**
 * Reads the export file as groups of member rows, straight from the download stream: never the whole
 * body as one string. A download cut by the network is resumed by fetching the file again and skipping
 * the rows already delivered (the export file does not change), so consumers see one unbroken sequence.
 */
import { CsvColumnReader, CsvFormatError, gunzipIfCompressed, type RawField } from '../../shared/csv';
import { describeFailure, isRetryable } from '../../shared/retry';
import { DownloadIncompleteError } from '../transport/download-guard';
import type { DownloadBody } from '../transport/export';

/** Where each column is in a row: in the file's header, or in the groups of rows read (see MemberRows). */
export interface MemberColumns {
	/** -1 in groups read with `userIdOnly`. */
	amplitudeId: number;
	userId: number;
	/**
	 * User property columns, with clean names (no `gp:` prefix), except where the clean name is taken (by
	 * `amplitude_id`, `user_id` or an earlier property): that property is named `gp:<name>` instead.
	 */
	properties: Array<{ index: number; name: string }>;
	/** Fields per row. */
	width: number;
}

/** The columns of groups read with `userIdOnly`: one field per row. */
const USER_ID_ONLY: MemberColumns = { amplitudeId: -1, userId: 0, properties: [], width: 1 };

/**
 * The member rows one piece of the download completed, in one flat array: row r's column c (the header's
 * order) is `fields[r * columns.width + c]`. No object or array per row: two million of each would only
 * feed the garbage collector.
 */
export interface MemberRows {
	columns: MemberColumns;
	/** Empty when the rows went to `onRowBytes`. */
	fields: string[];
	/** How many rows. */
	count: number;
}

/**
 * Takes one member row as it is read, its columns (MemberRows's order) as the file's bytes in `raw`, or as
 * text in `values` when there is no `raw` (a last record without a line break). Valid during the call only.
 */
export type MemberRowSink = (columns: MemberColumns, values: readonly string[], raw: readonly RawField[] | undefined) => void;

const ID_COLUMNS = ['amplitude_id', 'user_id'];

/** Amplitude names custom user properties `gp:name` in some exports: give users the plain name. */
export function cleanPropertyName(header: string): string {
	const trimmed = header.trim();
	return trimmed.toLowerCase().startsWith('gp:') ? trimmed.slice(3) : trimmed;
}

export function memberColumns(header: string[], line: number): MemberColumns {
	const names = header.map((name) => name.trim().toLowerCase());
	const [amplitudeId, userId] = ID_COLUMNS.map((name) => names.indexOf(name));
	if (amplitudeId === -1 || userId === -1) {
		throw new CsvFormatError(
			`The export file has no ${amplitudeId === -1 ? 'amplitude_id' : 'user_id'} column (header: ${header.join(', ').slice(0, 200)})`,
			line,
		);
	}
	const taken = new Set(ID_COLUMNS);
	const properties = header
		.map((name, index) => ({ index, name: cleanPropertyName(name) }))
		// `__proto__` as a key would change the item's prototype instead of adding a field.
		.filter(({ index, name }) => index !== amplitudeId && index !== userId && name !== '__proto__')
		.map(({ index, name }) => ({ index, name: unusedName(name, taken) }));
	return { amplitudeId, userId, properties, width: header.length };
}

/** A property never overwrites the real id columns or another property: a taken name gets `gp:` back. */
function unusedName(name: string, taken: Set<string>): string {
	let unique = taken.has(name) ? `gp:${name}` : name;
	for (let suffix = 2; taken.has(unique); suffix++) unique = `gp:${name}_${suffix}`;
	taken.add(unique);
	return unique;
}

export interface ReadMembersOptions {
	/** The first download, already opened. */
	first: DownloadBody;
	/** Opens the file again (after the network cut the first download). */
	reopen: () => Promise<DownloadBody>;
	maxRestarts: number;
	/** Read the user_id column alone (outputs that need nothing else): no string is made for the others. */
	userIdOnly?: boolean;
	/**
	 * Give each new row to this as it is read, as bytes, rather than in the groups (which then carry the
	 * count alone): for an output that copies the fields into a file, with no string made for them.
	 */
	onRowBytes?: MemberRowSink;
	/**
	 * Members the cohort listing announces. A file that ends cleanly with fewer is downloaded again, and
	 * accepted when the second download ends on the same member (the listing may be older than the export).
	 */
	expectedRows?: number;
	onRestart?: (deliveredRows: number, error: unknown) => void;
	/** Called every `progressEvery` rows, with the count so far. */
	onProgress?: (rows: number) => void;
	progressEvery?: number;
}

/** A gzip stream that ends early or fails its CRC/length check: another download may be whole. */
function isGzipFailure(error: unknown): boolean {
	const { code, message } = error as { code?: unknown; message?: unknown };
	return (
		(typeof code === 'string' && code.startsWith('Z_')) ||
		/unexpected end of file|incorrect (data|length|header) check/i.test(String(message ?? ''))
	);
}

function isNetworkCut(error: unknown): boolean {
	if (error instanceof DownloadIncompleteError) return true;
	if (error instanceof CsvFormatError) return false;
	const failure = describeFailure(error);
	return failure.status === undefined && isRetryable(failure);
}

/**
 * A download counts as whole only if the CSV ends on a complete record: not inside quotes, with the
 * header's field count, and followed by a line break. A file whose last record has no line break after it
 * is downloaded again and accepted when the second download ends on the same record (Amplitude's own
 * files end with one; a cut file ends wherever it was cut).
 */
export async function* readExportMembers(options: ReadMembersOptions): AsyncGenerator<MemberRows> {
	const progressEvery = options.progressEvery ?? 250_000;
	const onRowBytes = options.onRowBytes;
	let delivered = 0;
	let nextProgress = progressEvery;
	let body: DownloadBody = options.first;
	/** Rows before an unterminated last record seen by the previous download, to confirm it. */
	let unterminatedAfter: number | undefined;
	/** Rows of the previous download that ended short of `expectedRows`, to confirm it. */
	let shortAt: number | undefined;
	for (let restarts = 0; ; restarts++) {
		let failure: unknown;
		try {
			let columns: MemberColumns | undefined;
			/** The header's field count, which every row must have. */
			let width = 0;
			/** Fields kept per row. */
			let kept = 0;
			let seen = 0;
			/** Rows read since the last yield, past the `delivered` ones an earlier download gave (their fields). */
			let fresh: string[] = [];
			let freshCount = 0;
			const reader = new CsvColumnReader(
				(header, line) => {
					const inFile = memberColumns(header, line);
					columns = options.userIdOnly ? USER_ID_ONLY : inFile;
					width = header.length;
					kept = columns.width;
					return options.userIdOnly ? [inFile.userId] : header.map((_, index) => index);
				},
				(values, fieldCount, line, raw) => {
					seen++;
					if (seen <= delivered) return;
					if (fieldCount !== width) {
						throw new CsvFormatError(`Expected ${width} fields but found ${fieldCount}: the file is truncated or malformed`, line);
					}
					if (onRowBytes) onRowBytes(columns!, values, raw);
					else for (let column = 0; column < kept; column++) fresh.push(values[column]);
					freshCount++;
				},
				// The rows are soon dropped: slices of the piece's text are the fast way to make their strings (a
				// kept id is detached), and bytes the fast way to copy them.
				onRowBytes ? { raw: 'allColumns' } : { slices: true },
			);
			const take = function* (): Generator<MemberRows> {
				if (!columns || freshCount === 0) return;
				const rows: MemberRows = { columns, fields: fresh, count: freshCount };
				fresh = [];
				freshCount = 0;
				delivered += rows.count;
				yield rows;
			};
			let readFailure: unknown;
			try {
				for await (const bytes of gunzipIfCompressed(body)) {
					reader.push(bytes);
					yield* take();
					if (options.onProgress && delivered >= nextProgress) {
						options.onProgress(delivered);
						nextProgress = (Math.floor(delivered / progressEvery) + 1) * progressEvery;
					}
				}
			} catch (error) {
				readFailure = error ?? new Error('the download failed');
			}
			if (readFailure !== undefined) {
				throw isGzipFailure(readFailure)
					? new DownloadIncompleteError(`the gzip stream is cut or damaged (${(readFailure as Error).message})`)
					: readFailure;
			}
			const ending = reader.end();
			yield* take();
			if (ending.kind === 'openQuote') throw new DownloadIncompleteError(`the file ends inside a quoted field (line ${ending.line})`);
			if (ending.kind === 'unterminated') {
				const last = ending.record;
				const lastWidth = columns ? width : last.fieldCount;
				if (last.fieldCount !== lastWidth) {
					throw new DownloadIncompleteError(`the file ends inside a record (line ${last.line}: ${last.fieldCount} of ${lastWidth} fields)`);
				}
				const rowsBefore = columns ? seen : -1;
				if (unterminatedAfter !== rowsBefore) {
					unterminatedAfter = rowsBefore;
					throw new DownloadIncompleteError(`the file does not end with a line break after its last record (line ${last.line})`);
				}
				reader.accept(last);
				yield* take();
			}
			if (!columns) throw new DownloadIncompleteError('the file is empty: not even the header row came');
			if (seen < delivered) {
				throw new DownloadIncompleteError(`the download ended after ${seen} members, before the ${delivered} an earlier download gave`);
			}
			if (options.expectedRows !== undefined && seen < options.expectedRows && shortAt !== seen) {
				shortAt = seen;
				throw new DownloadIncompleteError(
					`the file ended after ${seen} members where the cohort lists ${options.expectedRows}: downloading it again to confirm`,
				);
			}
			return;
		} catch (error) {
			failure = error;
		}
		// Not a cut (or too many): the operation turns it into a node error with the item and request id.
		if (!isNetworkCut(failure) || restarts >= options.maxRestarts) throw failure;
		options.onRestart?.(delivered, failure);
		body = await options.reopen();
	}
}
