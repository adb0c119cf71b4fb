/**
 * Runs the chosen operation once per input item, with that item's parameters. Operations push into one
 * output array (no concat or spread: a cohort can be two million items). A failing item gives an error
 * item under "Continue On Fail", and keys never reach what is shown.
 */
import {
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { scrubError } from '../../shared/secrets';
import { asNodeError } from '../transport/errors';
import { amplitudeCredentials, credentialSecrets } from '../transport/request';
import * as cohort from './cohort';

type Operation = (this: IExecuteFunctions, itemIndex: number, output: INodeExecutionData[]) => Promise<void>;

const operations: Record<string, Record<string, Operation>> = {
	cohort: { get: cohort.get.execute, getAll: cohort.getAll.execute },
};

async function secretsOf(ctx: IExecuteFunctions): Promise<string[]> {
	try {
		return credentialSecrets(await amplitudeCredentials(ctx));
	} catch {
		// Missing credentials fail later, with n8n's own message for the item.
		return [];
	}
}

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const output: INodeExecutionData[] = [];
	const secrets = await secretsOf(this);

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const resource = this.getNodeParameter('resource', itemIndex) as string;
			const operation = this.getNodeParameter('operation', itemIndex) as string;
			const run = operations[resource]?.[operation];
			if (!run) {
				throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`, {
					itemIndex,
				});
			}
			await run.call(this, itemIndex, output);
		} catch (error) {
			const nodeError = scrubError(asNodeError(this.getNode(), error, itemIndex), secrets);
			if (!this.continueOnFail()) throw nodeError;
			output.push({
				json: { error: nodeError.message, ...(nodeError.description ? { description: nodeError.description } : {}) },
				pairedItem: { item: itemIndex },
			});
		}
	}
	return [output];
}
