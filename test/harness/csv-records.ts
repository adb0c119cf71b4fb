/**
 * Test helper: one record per data row, keyed by the header row, read with CsvColumnReader. A row whose field count
 * differs from the header's is an error (a truncated or corrupted file), reported with its line.
 */
import { CsvColumnReader } from '../../nodes/shared/csv/column-reader';
import { CsvFormatError } from '../../nodes/shared/csv/format-error';

export async function* readCsvRecords(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Record<string, string>> {
	let names: string[] = [];
	let records: Array<Record<string, string>> = [];
	const reader = new CsvColumnReader(
		(header) => {
			names = header;
			return header.map((_, column) => column);
		},
		(values, fieldCount, line) => {
			if (fieldCount !== names.length) throw new CsvFormatError(`Expected ${names.length} fields but found ${fieldCount}`, line);
			const record: Record<string, string> = {};
			for (let column = 0; column < names.length; column++) record[names[column]] = values[column];
			records.push(record);
		},
	);
	const taken = function* (): Generator<Record<string, string>> {
		const ready = records;
		records = [];
		yield* ready;
	};
	for await (const chunk of chunks) {
		reader.push(chunk);
		yield* taken();
	}
	reader.finish();
	yield* taken();
}
