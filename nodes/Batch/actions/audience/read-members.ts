/**
 * Reads the members of one sync from the input: a field of each item, an array field, or a CSV column of
 * a binary file read as a stream. Ids go straight into the MemberCollector, so memory grows with the
 * number of unique ids, never with one n8n item per id.
 */
import {
	BINARY_ENCODING,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { CsvFormatError, gunzipIfCompressed, readCsvColumns } from '../../../shared/csv';
import type { MemberCollector } from '../../sync/member-collector';
import { readFieldPath, simpleJsonFieldPath } from './simple-field-expression';
import type { AttributeValue, ExtrasSupport, MemberAttributes, MemberExtras } from '../../sync/types';

export type IdentifierSource = 'items' | 'listField' | 'binaryCsv';

export async function readMembers(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	collector: MemberCollector,
	extras: ExtrasSupport,
	/** The items of this sync (all of them unless the input feeds several audiences). */
	itemIndexes: readonly number[] = items.map((_item, index) => index),
): Promise<void> {
	const first = itemIndexes[0] ?? 0;
	const source = ctx.getNodeParameter('identifierSource', first, 'items') as IdentifierSource;
	if (source === 'items') readFromItems(ctx, items, itemIndexes, collector, extras);
	else if (source === 'listField') readFromListFields(ctx, items, itemIndexes, collector);
	else if (source === 'binaryCsv') await readFromCsv(ctx, itemIndexes, collector, extras);
	else throw new NodeOperationError(ctx.getNode(), `Unknown identifier source "${String(source)}"`, { itemIndex: first });
}

function readFromItems(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	itemIndexes: readonly number[],
	collector: MemberCollector,
	extras: ExtrasSupport,
) {
	const directPath = simpleJsonFieldPath(ctx.getNode().parameters.identifier);
	for (const itemIndex of itemIndexes) {
		const id = directPath
			? readFieldPath(items[itemIndex].json, directPath)
			: (ctx.getNodeParameter('identifier', itemIndex, undefined) as unknown);
		const memberExtras: MemberExtras = {};
		if (extras.attributes) {
			const pairs = ctx.getNodeParameter('attributes.attribute', itemIndex, []) as Array<{ name?: string; value?: unknown }>;
			const attributes = attributesFromPairs(pairs);
			if (attributes) memberExtras.attributes = attributes;
		}
		if (extras.tags) {
			const tags = parseTags(ctx.getNodeParameter('tags', itemIndex, '') as unknown);
			if (tags.length > 0) memberExtras.tags = tags;
		}
		collector.add(id, memberExtras, { itemIndex });
	}
}

function readFromListFields(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	itemIndexes: readonly number[],
	collector: MemberCollector,
) {
	for (const itemIndex of itemIndexes) {
		const path = String(ctx.getNodeParameter('listField', itemIndex, 'userIds')).trim();
		const list = readPath(items[itemIndex].json, path);
		// The Amplitude node's compact output as "Text, One per Line": every ID ends with a line break, which
		// tells it from a text field pointed at by mistake (read as one ID, it would empty the audience).
		if (typeof list === 'string' && (list === '' || list.endsWith('\n'))) {
			collector.addLines(list, { itemIndex });
			continue;
		}
		if (!Array.isArray(list)) {
			throw new NodeOperationError(ctx.getNode(), `Field "${path}" of item ${itemIndex} is not a list of IDs`, {
				itemIndex,
				description: `Found ${list === undefined ? 'nothing' : typeof list}. Point "List Field" at an array, or a text with each ID on a line ended by a line break, e.g. "userIds" of the Amplitude node's compact output.`,
			});
		}
		for (const id of list) collector.add(id, undefined, { itemIndex });
	}
}

async function readFromCsv(
	ctx: IExecuteFunctions,
	itemIndexes: readonly number[],
	collector: MemberCollector,
	extras: ExtrasSupport,
) {
	for (const itemIndex of itemIndexes) {
		const property = ctx.getNodeParameter('binaryPropertyName', itemIndex) as string;
		const column = (ctx.getNodeParameter('csvColumn', itemIndex) as string).trim();
		const attributeColumns = extras.attributes
			? splitList(ctx.getNodeParameter('attributeColumns', itemIndex, '') as string)
			: [];
		const binary = ctx.helpers.assertBinaryData(itemIndex, property);
		const chunks: AsyncIterable<Uint8Array> = binary.id
			? await ctx.helpers.getBinaryStream(binary.id, PIECE_SIZE)
			: slices(Buffer.from(binary.data, BINARY_ENCODING));
		// A gzipped file's ids may take more than its size: then the store grows as it would have.
		if (attributeColumns.length === 0) collector.expectFileBytes(binary.bytes);
		try {
			await collectCsv(gunzipIfCompressed(chunks), column, attributeColumns, collector);
		} catch (error) {
			const line = error instanceof CsvFormatError ? error.line : undefined;
			throw new NodeOperationError(ctx.getNode(), `Cannot read the CSV in binary field "${property}": ${(error as Error).message}`, {
				itemIndex,
				description: line === undefined ? undefined : `The problem is on line ${line} of the file.`,
			});
		}
	}
}

async function collectCsv(
	chunks: AsyncIterable<Uint8Array>,
	column: string,
	attributeColumns: string[],
	collector: MemberCollector,
): Promise<void> {
	let width = 0;
	// One origin object for all rows: the collector copies it into the few samples it keeps.
	const origin = { line: 0 };
	await readCsvColumns(
		chunks,
		(header, line) => {
			width = header.length;
			const idIndex = header.indexOf(column);
			if (idIndex < 0) throw new CsvFormatError(`no column "${column}" in the header (${header.join(', ')})`, line);
			const attributeIndexes = attributeColumns.map((name) => {
				const index = header.indexOf(name);
				if (index < 0) throw new CsvFormatError(`no attribute column "${name}" in the header`, line);
				return index;
			});
			return [idIndex, ...attributeIndexes];
		},
		(values, fieldCount, line, raw) => {
			if (fieldCount !== width) throw new CsvFormatError(`expected ${width} fields but found ${fieldCount}`, line);
			origin.line = line;
			// Without attributes the id comes as bytes, kept as they are unless they need a look as text.
			if (raw) {
				const id = raw[0];
				if (id.escaped) collector.add(id.bytes.toString('utf8', id.start, id.end).replace(/""/g, '"'), undefined, origin);
				else collector.addUtf8(id.bytes, id.start, id.end, origin);
				return;
			}
			let memberExtras: MemberExtras | undefined;
			if (attributeColumns.length > 0) {
				const attributes: MemberAttributes = {};
				for (let at = 0; at < attributeColumns.length; at++) if (values[at + 1] !== '') attributes[attributeColumns[at]] = values[at + 1];
				memberExtras = { attributes };
			}
			collector.add(values[0], memberExtras, origin);
		},
		{ raw: attributeColumns.length === 0 ? 'firstColumn' : undefined },
	);
}

/**
 * The file is read in pieces of 1 MB, stored or in memory (gzip detection reads the first): far fewer
 * than a stream's default 64 KB. Ids are copied out of the pieces (as bytes, or as strings of their own),
 * so no id keeps a piece in memory.
 */
const PIECE_SIZE = 1 << 20;

async function* slices(buffer: Uint8Array): AsyncGenerator<Uint8Array> {
	for (let start = 0; start < buffer.length; start += PIECE_SIZE) yield buffer.subarray(start, start + PIECE_SIZE);
}

function attributesFromPairs(pairs: Array<{ name?: string; value?: unknown }>): MemberAttributes | undefined {
	let attributes: MemberAttributes | undefined;
	for (const { name, value } of pairs) {
		const key = (name ?? '').trim();
		if (key === '' || value === undefined || value === null || value === '') continue;
		(attributes ??= {})[key] = toAttributeValue(value);
	}
	return attributes;
}

function toAttributeValue(value: unknown): AttributeValue {
	if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
	if (Array.isArray(value)) return value.map((entry) => String(entry));
	return JSON.stringify(value);
}

function parseTags(value: unknown): string[] {
	if (Array.isArray(value)) return value.map((tag) => String(tag).trim()).filter((tag) => tag !== '');
	if (typeof value === 'string') return splitList(value);
	return [];
}

function splitList(text: string): string[] {
	return text
		.split(',')
		.map((part) => part.trim())
		.filter((part) => part !== '');
}

function readPath(data: IDataObject, path: string): unknown {
	if (path in data) return data[path];
	let current: unknown = data;
	for (const key of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as IDataObject)[key];
	}
	return current;
}
