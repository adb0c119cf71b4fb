/** Get, Get Many and Delete, for both nodes: one call (with retries) per input item. */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { withRetry } from '../retry';
import { scrubError, scrubText } from '../secrets';
import { readAudienceName } from './audience-name';
import type { AudienceBackend, BackendFactory } from './backend';
import { readRetryPolicy } from './settings';

type PerItem = (ctx: IExecuteFunctions, backend: AudienceBackend, itemIndex: number) => Promise<IDataObject[]>;

async function forEachItem(ctx: IExecuteFunctions, backendFor: BackendFactory, run: PerItem): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		let secrets: string[] = [];
		try {
			const backend = await backendFor(ctx, itemIndex);
			secrets = backend.secrets;
			for (const json of await run(ctx, backend, itemIndex)) output.push({ json, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (ctx.continueOnFail()) {
				output.push({ json: { error: scrubText((error as Error).message ?? String(error), secrets) }, pairedItem: { item: itemIndex } });
				continue;
			}
			// Every field scrubbed, whatever the API echoed into it (the transport already did; this covers the rest).
			if (error instanceof NodeOperationError) throw scrubError(new NodeOperationError(ctx.getNode(), error, { itemIndex }), secrets);
			throw scrubError(new NodeApiError(ctx.getNode(), error as JsonObject, { itemIndex }), secrets);
		}
	}
	return [output];
}

function retrying<T>(ctx: IExecuteFunctions, itemIndex: number, call: () => Promise<T>): Promise<T> {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return withRetry(call, readRetryPolicy(options, ctx, itemIndex));
}

export function executeGet(ctx: IExecuteFunctions, backendFor: BackendFactory) {
	return forEachItem(ctx, backendFor, async (_ctx, backend, itemIndex) => {
		const name = readAudienceName(ctx, itemIndex);
		return [await retrying(ctx, itemIndex, () => backend.getAudience(name))];
	});
}

export function executeDelete(ctx: IExecuteFunctions, backendFor: BackendFactory) {
	return forEachItem(ctx, backendFor, async (_ctx, backend, itemIndex) => {
		const name = readAudienceName(ctx, itemIndex);
		return [await retrying(ctx, itemIndex, () => backend.deleteAudience(name))];
	});
}

export function executeGetAll(ctx: IExecuteFunctions, backendFor: BackendFactory) {
	return forEachItem(ctx, backendFor, async (_ctx, backend, itemIndex) => {
		const returnAll = ctx.getNodeParameter('returnAll', itemIndex, false) as boolean;
		const limit = returnAll ? Infinity : (ctx.getNodeParameter('limit', itemIndex, 50) as number);
		const audiences: IDataObject[] = [];
		let cursor: string | undefined;
		do {
			const pageSize = Math.min(backend.maxPageSize, limit - audiences.length);
			const page = await retrying(ctx, itemIndex, () => backend.listPage(cursor, pageSize));
			for (const audience of page.audiences) {
				if (audiences.length >= limit) break;
				audiences.push(audience);
			}
			cursor = page.next;
		} while (cursor !== undefined && audiences.length < limit);
		return audiences;
	});
}
