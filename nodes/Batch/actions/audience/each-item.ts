/** Get, Get Many and Delete: one call (with retries) per input item, each answer an output item. */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { withRetry } from '../../../shared/retry';
import { scrubError, scrubText } from '../../../shared/secrets';
import type { AudienceApi } from '../../sync/types';
import { connectForItem, type BatchApiName } from './connect';
import { readRetryPolicy } from './settings';

type PerItem = (api: AudienceApi, itemIndex: number) => Promise<Array<Record<string, unknown>>>;

export async function forEachItem(ctx: IExecuteFunctions, apiName: BatchApiName, run: PerItem): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		let secrets: string[] = [];
		try {
			const api = await connectForItem(ctx, apiName, itemIndex);
			secrets = api.secrets;
			for (const json of await run(api, itemIndex)) output.push({ json: json as IDataObject, pairedItem: { item: itemIndex } });
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

/** One call with the item's retry options. */
export async function retrying<T>(ctx: IExecuteFunctions, itemIndex: number, call: () => Promise<T>): Promise<T> {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return await withRetry(call, readRetryPolicy(options, ctx, itemIndex));
}
