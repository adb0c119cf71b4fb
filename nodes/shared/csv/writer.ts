/** Writing CSV: every field quoted, so commas, quotes and newlines in values are safe. */

export function quoteCsvField(value: string): string {
	return `"${value.replace(/"/g, '""')}"`;
}

export function formatCsvLine(fields: readonly string[]): string {
	let line = '';
	for (let column = 0; column < fields.length; column++) {
		if (column > 0) line += ',';
		line += quoteCsvField(fields[column]);
	}
	return `${line}\n`;
}
