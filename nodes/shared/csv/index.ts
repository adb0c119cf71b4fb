export { CsvFormatError } from './format-error';
export { gunzipIfCompressed, startsWithGzipMagic } from './gzip';
export { escapeQuotes, formatCsvLine, quoteCsvField } from './writer';
export { detachField } from './detach';
export {
	CsvColumnReader,
	readCsvColumns,
	type ColumnChooser,
	type ColumnReaderOptions,
	type ColumnRowSink,
	type CsvEnd,
	type RawField,
	type UnterminatedRecord,
} from './column-reader';
