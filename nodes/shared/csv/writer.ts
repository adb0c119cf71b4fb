/** Writing CSV: every field quoted, so commas, quotes and newlines in values are safe. */

/** A field's text inside its quotes: each quote doubled. */
export function escapeQuotes(value: string): string {
	// Most values hold no quote: a search is far cheaper than a replace, millions of times over.
	return value.indexOf('"') === -1 ? value : value.replace(/"/g, '""');
}

export function quoteCsvField(value: string): string {
	return `"${escapeQuotes(value)}"`;
}

export function formatCsvLine(fields: readonly string[]): string {
	let line = '';
	for (let column = 0; column < fields.length; column++) {
		if (column > 0) line += ',';
		line += quoteCsvField(fields[column]);
	}
	return `${line}\n`;
}
