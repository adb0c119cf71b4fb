export { CsvFormatError, CsvRowParser, readCsvRecords, readCsvRowBatches, readCsvRows, type CsvRow } from './reader';
export { gunzipIfCompressed, startsWithGzipMagic } from './gzip';
export { formatCsvLine, quoteCsvField } from './writer';
export { detachField } from './detach';
export { readCsvColumns, type ColumnChooser, type ColumnRowSink } from './column-reader';
