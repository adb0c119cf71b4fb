/**
 * The export file's CSV dialect: header row first, every field double-quoted, `""` for a quote,
 * rows ended by "\n" (embedded newlines stay inside their quotes).
 */
import { Readable } from 'node:stream';

export function quoteField(value: string): string {
	return value.includes('"') ? `"${value.replace(/"/g, '""')}"` : `"${value}"`;
}

/** A plain loop: this runs millions of times per large export. */
export function csvLine(fields: readonly string[]): string {
	let line = quoteField(fields[0] ?? '');
	for (let index = 1; index < fields.length; index++) line += `,${quoteField(fields[index])}`;
	return `${line}\n`;
}

/** Rows are produced only as fast as the reader consumes them (push() returning false pauses). */
export function csvStream(header: readonly string[], rows: Iterator<readonly string[]>, chunkBytes = 64 * 1024): Readable {
	let headerSent = false;
	return new Readable({
		read() {
			for (;;) {
				let chunk = '';
				if (!headerSent) {
					chunk = csvLine(header);
					headerSent = true;
				}
				let done = false;
				while (chunk.length < chunkBytes) {
					const next = rows.next();
					if (next.done) {
						done = true;
						break;
					}
					chunk += csvLine(next.value);
				}
				const wantsMore = chunk.length > 0 ? this.push(chunk) : true;
				if (done) {
					this.push(null);
					return;
				}
				if (!wantsMore) return;
			}
		},
	});
}
