/** Malformed CSV input; `line` is the 1-based physical line where the faulty row starts. */
export class CsvFormatError extends Error {
	readonly line: number;

	constructor(problem: string, line: number) {
		super(`${problem} (line ${line})`);
		this.name = 'CsvFormatError';
		this.line = line;
	}
}
