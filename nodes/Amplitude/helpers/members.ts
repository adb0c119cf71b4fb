/**
 * Reads the export file as batches of member rows, straight from the download stream: never the whole
 * body as one string. A download cut by the network is resumed by fetching the file again and skipping
 * the rows already delivered (the export file does not change), so consumers see one unbroken sequence.
 */
import { CsvFormatError, CsvRowParser, gunzipIfCompressed, type CsvRow } from '../../shared/csv';
import { describeFailure, isRetryable } from '../../shared/retry';
import type { DownloadBody } from '../transport/export';

export interface MemberColumns {
	amplitudeId: number;
	userId: number;
	/** User property columns, with clean names (no `gp:` prefix). */
	properties: Array<{ index: number; name: string }>;
	width: number;
}

export interface MemberBatch {
	columns: MemberColumns;
	rows: CsvRow[];
}

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
	const properties = header
		.map((name, index) => ({ index, name: cleanPropertyName(name) }))
		// `__proto__` as a key would change the item's prototype instead of adding a field.
		.filter(({ index, name }) => index !== amplitudeId && index !== userId && name !== '__proto__');
	return { amplitudeId, userId, properties, width: header.length };
}

export interface ReadMembersOptions {
	/** The first download, already opened. */
	first: DownloadBody;
	/** Opens the file again (after the network cut the first download). */
	reopen: () => Promise<DownloadBody>;
	maxRestarts: number;
	onRestart?: (deliveredRows: number, error: unknown) => void;
	/** Called every `progressEvery` rows, with the count so far. */
	onProgress?: (rows: number) => void;
	progressEvery?: number;
}

function isNetworkCut(error: unknown): boolean {
	if (error instanceof CsvFormatError) return false;
	const failure = describeFailure(error);
	return failure.status === undefined && isRetryable(failure);
}

export async function* readExportMembers(options: ReadMembersOptions): AsyncGenerator<MemberBatch> {
	const progressEvery = options.progressEvery ?? 250_000;
	let delivered = 0;
	let nextProgress = progressEvery;
	let body: DownloadBody = options.first;
	for (let restarts = 0; ; restarts++) {
		let failure: unknown;
		try {
			const decoder = new TextDecoder('utf-8');
			const parser = new CsvRowParser();
			let columns: MemberColumns | undefined;
			let seen = 0;
			const take = function* (rows: CsvRow[]): Generator<MemberBatch> {
				let start = 0;
				if (!columns && rows.length > 0) {
					columns = memberColumns(rows[0].fields, rows[0].line);
					start = 1;
				}
				if (!columns) return;
				const fresh: CsvRow[] = [];
				for (let at = start; at < rows.length; at++) {
					seen++;
					if (seen <= delivered) continue;
					if (rows[at].fields.length !== columns.width) {
						throw new CsvFormatError(
							`Expected ${columns.width} fields but found ${rows[at].fields.length}: the file is truncated or malformed`,
							rows[at].line,
						);
					}
					fresh.push(rows[at]);
				}
				if (fresh.length > 0) {
					delivered += fresh.length;
					yield { columns, rows: fresh };
				}
			};
			for await (const bytes of gunzipIfCompressed(body)) {
				yield* take(parser.push(decoder.decode(bytes, { stream: true })));
				if (options.onProgress && delivered >= nextProgress) {
					options.onProgress(delivered);
					nextProgress = (Math.floor(delivered / progressEvery) + 1) * progressEvery;
				}
			}
			const tail = parser.push(decoder.decode());
			const last = parser.end();
			if (last) tail.push(last);
			yield* take(tail);
			return;
		} catch (error) {
			failure = error;
		}
		// Not a cut connection (or too many): the operation turns it into a node error with the item and request id.
		if (!isNetworkCut(failure) || restarts >= options.maxRestarts) throw failure;
		options.onRestart?.(delivered, failure);
		body = await options.reopen();
	}
}
