/**
 * Upsert and Remove Members, for both nodes: every input item feeds one audience sync, whose report is
 * the single output item (paired to all inputs). A chunk that fails for good fails the node with the
 * chunks applied and not applied, or, with Continue On Fail, becomes the report with its unapplied ids.
 */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type IPairedItemData,
	type JsonObject,
} from 'n8n-workflow';

import { scrubText } from '../secrets';
import { MemberCollector } from '../sync/member-collector';
import { describeChunkOutcomes, type SyncReport } from '../sync/report';
import { audienceStateKey, staticDataStateStore, type AudienceStateStore } from '../sync/state-store';
import { syncAudience, SyncInputError, type SyncResult } from '../sync/sync-audience';
import { readAudienceName } from './audience-name';
import type { AudienceBackend, BackendFactory } from './backend';
import { progressListener } from './progress';
import { readMembers } from './read-members';
import { readSyncSettings } from './settings';

const SHOWN_FAILED_IDS = 20;

export async function executeSync(
	ctx: IExecuteFunctions,
	operation: 'upsert' | 'removeMembers',
	backendFor: BackendFactory,
): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const pairedItem: IPairedItemData[] = items.map((_item, item) => ({ item }));
	let secrets: string[] = [];
	try {
		const settings = readSyncSettings(ctx, operation);
		const name = readAudienceName(ctx, 0);
		const backend = await backendFor(ctx, 0);
		secrets = backend.secrets;
		const collector = new MemberCollector(backend.maxIdLength);
		const extras = operation === 'upsert' ? backend.extras : { attributes: false, tags: false };
		await readMembers(ctx, items, collector, extras);
		const members = collector.finish();

		const result = await syncAudience(
			backend.audienceApi(name),
			members,
			{ ...settings, acceptedTypes: backend.acceptedTypes },
			stateStore(ctx, backend, name, settings.dryRun),
			progressListener(ctx, name, secrets),
		);
		const report = shownReport(result.report, secrets);
		if (result.error === undefined || ctx.continueOnFail()) {
			return [[{ json: report as unknown as IDataObject, pairedItem }]];
		}
		throw chunkFailure(ctx, result, report);
	} catch (error) {
		const message = scrubText((error as Error).message ?? String(error), secrets);
		ctx.logger.warn(`Batch audience sync failed: ${message}`);
		if (ctx.continueOnFail()) return [[{ json: { error: message }, pairedItem }]];
		if (error instanceof SyncInputError) throw new NodeOperationError(ctx.getNode(), error.message, { itemIndex: 0 });
		if (error instanceof NodeOperationError) throw new NodeOperationError(ctx.getNode(), error);
		throw new NodeApiError(ctx.getNode(), error as JsonObject);
	}
}

/** Sync changes keeps its state per audience and app/project; a dry run may read it but never writes it. */
function stateStore(ctx: IExecuteFunctions, backend: AudienceBackend, name: string, dryRun: boolean): AudienceStateStore {
	const store = staticDataStateStore(
		ctx.getWorkflowStaticData('global'),
		audienceStateKey(backend.family, backend.accountKey, name),
	);
	if (!dryRun) return store;
	return { load: () => store.load(), save: () => {}, clear: () => {} };
}

/** The few free-text fields of the report may quote an API message: scrub them (ids need no scrubbing). */
function shownReport(report: SyncReport, secrets: string[]): SyncReport {
	const scrub = (text: string) => scrubText(text, secrets);
	return {
		...report,
		fallbackReason: report.fallbackReason === null ? null : scrub(report.fallbackReason),
		notes: report.notes.map(scrub),
		chunkDetails: report.chunkDetails.map((chunk) => (chunk.error ? { ...chunk, error: scrub(chunk.error) } : chunk)),
		...(report.error === undefined ? {} : { error: scrub(report.error) }),
	};
}

function chunkFailure(ctx: IExecuteFunctions, result: SyncResult, report: SyncReport): NodeApiError {
	const failed = report.chunkDetails.filter((chunk) => chunk.status === 'failed');
	const first = failed[0];
	const failedIds = report.unappliedIds.slice(0, SHOWN_FAILED_IDS);
	const cause = result.error as { httpCode?: string | null; message?: string };
	const description = [
		`Chunks ${describeChunkOutcomes(report.chunkDetails)}.`,
		`Not applied: ${report.unappliedIds.length} ids, starting with ${failedIds.join(', ')}${report.unappliedIds.length > failedIds.length ? ', …' : ''}.`,
		'Nothing was sent after the failure. Set "On Error" to "Continue" in the node settings to get the full report, ' +
			'with every unapplied id, as the output item.',
		report.mode === 'syncChanges' ? 'The next Sync Changes run starts over with Replace.' : '',
	]
		.filter((line) => line)
		.join(' ');
	const error = new NodeApiError(
		ctx.getNode(),
		{ httpCode: cause?.httpCode ?? null, error_message: report.error ?? '' } as JsonObject,
		{
			message: `Audience "${report.audience}" sync failed at chunk ${first?.index} of ${report.chunks.total}: ${first?.error ?? cause?.message}`,
			description,
			httpCode: cause?.httpCode ?? undefined,
		},
	);
	error.context.chunks = report.chunks as unknown as IDataObject;
	return error;
}
