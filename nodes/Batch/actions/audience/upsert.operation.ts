/**
 * Upsert, for both nodes: create the audience if missing, then add, replace, remove or send only the
 * changes. Remove Members runs the same sync in mode Remove. Its own fields are here; members and options
 * are shared (./fields.ts).
 *
 * The input items feed one audience sync per distinct audience (usually one), whose report is an output
 * item paired to that audience's items. A chunk that fails for good fails the node with the chunks applied
 * and not applied, or, with Continue On Fail, becomes the report with its unapplied ids.
 */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type IPairedItemData,
	type JsonObject,
} from 'n8n-workflow';

import { ProgressReporter } from '../../../shared/progress';
import { scrubText } from '../../../shared/secrets';
import { lockAudience } from '../../sync/audience-lock';
import { describeEvent, type SyncEventListener } from '../../sync/events';
import { MemberCollector } from '../../sync/member-collector';
import { describeChunkOutcomes, type SyncReport } from '../../sync/report';
import { orderReportFields } from '../../sync/report-order';
import { pruneUnusedStates, stateCapBreach } from '../../sync/state-retention';
import { audienceStateKey, staticDataStateStore, storedStates, type AudienceStateStore } from '../../sync/state-store';
import { syncAudience, SyncInputError, type SyncResult } from '../../sync/sync-audience';
import type { AudienceApi, NewAudience } from '../../sync/types';
import { groupItemsByAudience, type AudienceGroup } from './audience-groups';
import { connectForItem, type BatchApiName } from './connect';
import { RESOURCE } from './fields';
import { readMembers, type IdentifierSource } from './read-members';
import { reportItem, type ReportItem } from './report-item';
import { readSyncSettings } from './settings';

/** Upsert's own fields: the mode, and what a created audience gets; members and options are shared (./fields.ts). */
export const modeProperty: INodeProperties = {
	displayName: 'Mode',
	name: 'mode',
	type: 'options',
	default: 'add',
	displayOptions: { show: { ...RESOURCE, operation: ['upsert'] } },
	options: [
		{
			name: 'Add (Merge)',
			value: 'add',
			description: 'Add the IDs to the audience and remove nobody',
		},
		{
			name: 'Remove',
			value: 'remove',
			description: 'Remove the IDs from the audience',
		},
		{
			name: 'Replace (Mirror)',
			value: 'replace',
			description:
				'The audience ends up holding exactly these IDs. Not atomic beyond 10,000 IDs: the first 10,000 replace the audience and the rest are added right after, so for a moment campaigns may see a partial audience.',
		},
		{
			name: 'Sync Changes',
			value: 'syncChanges',
			description:
				'Send only who entered and who left since the last run (the first run, or an audience changed elsewhere, falls back to Replace). The last run is remembered in the workflow static data, which n8n keeps only for production (active or trigger) executions.',
		},
	],
};

/** What Upsert gives an audience it creates: a description (an app's audience) or a display name (a project's). */
export function newAudienceProperty(api: BatchApiName): INodeProperties {
	const upsertOnly = { show: { ...RESOURCE, operation: ['upsert'] } };
	if (api === 'customAudience') {
		return {
			displayName: 'Audience Description',
			name: 'description',
			type: 'string',
			default: '',
			placeholder: 'e.g. Synced from the Amplitude cohort "Power users"',
			description: 'Description of the audience when Upsert creates it',
			displayOptions: upsertOnly,
		};
	}
	// A project audience's type is always Customer User IDs (the only one the Audiences API documents), so there
	// is nothing to pick: 0.1.0's single-option "Audience Type" dropdown is gone, its saved value unread.
	return {
		displayName: 'Display Name',
		name: 'displayName',
		type: 'string',
		default: '',
		placeholder: 'e.g. Amplitude power users',
		description: 'Name shown in the Batch dashboard when Upsert creates the audience (defaults to its name)',
		displayOptions: upsertOnly,
	};
}

/** Upsert: create the audience if missing, then add, replace, remove or send only the changes. */
export async function execute(this: IExecuteFunctions, api: BatchApiName): Promise<INodeExecutionData[][]> {
	return await executeSync(this, 'upsert', api);
}

const SHOWN_FAILED_IDS = 20;

/** The sync of Upsert and Remove Members: one per distinct audience of the input items, each its report item. */
export async function executeSync(
	ctx: IExecuteFunctions,
	operation: 'upsert' | 'removeMembers',
	apiName: BatchApiName,
): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const output: INodeExecutionData[] = [];
	const done: string[] = [];
	let groups: AudienceGroup[];
	try {
		groups = groupItemsByAudience(ctx, operation, items.length);
	} catch (error) {
		const all: AudienceGroup = { name: '', mode: 'add', itemIndexes: items.map((_item, item) => item) };
		ctx.logger.warn(`Batch audience sync failed: ${shownMessage(error, [])}`);
		if (ctx.continueOnFail()) return [[failureItem(error, [], all)]];
		throw nodeError(ctx, error, [], [all]);
	}
	let secrets: string[] = [];
	for (const group of groups) {
		try {
			const api = await connectForItem(ctx, apiName, group.itemIndexes[0]);
			secrets = api.secrets;
			output.push({ ...(await syncOne(ctx, operation, api, group, items)), pairedItem: pairedItemsOf(group) });
			done.push(group.name);
		} catch (error) {
			ctx.logger.warn(`Batch audience sync failed: ${shownMessage(error, secrets)}`);
			if (!ctx.continueOnFail()) throw nodeError(ctx, error, done, groups);
			output.push(failureItem(error, secrets, group));
		}
	}
	return [output];
}

const pairedItemsOf = (group: AudienceGroup): IPairedItemData[] => group.itemIndexes.map((item) => ({ item }));

/** With Continue On Fail: the failure of one audience as its item. */
function failureItem(error: unknown, secrets: string[], group: AudienceGroup): INodeExecutionData {
	const message = shownMessage(error, secrets);
	const json: IDataObject = group.name ? { audience: group.name, error: message } : { error: message };
	return { json, pairedItem: pairedItemsOf(group) };
}

/** One audience: read its members, sync them under the audience's lock, and check the outcome. */
async function syncOne(
	ctx: IExecuteFunctions,
	operation: 'upsert' | 'removeMembers',
	api: AudienceApi,
	group: AudienceGroup,
	items: INodeExecutionData[],
): Promise<ReportItem> {
	const first = group.itemIndexes[0];
	const settings = readSyncSettings(ctx, operation, first);
	const collector = new MemberCollector();
	const extras = operation === 'upsert' ? api.extras : { attributes: false, tags: false };
	await readMembers(ctx, items, collector, extras, group.itemIndexes);
	const members = collector.finish();
	const stateKey = audienceStateKey(api.family, api.accountKey, group.name);
	const noValidIdsHint = members.ids.length === 0 ? likelyCauses(ctx, first) : undefined;
	const syncOptions = { ...settings, acceptedTypes: api.acceptedTypes, newAudience: newAudienceOf(ctx, first), noValidIdsHint };
	const progress = progressListener(new ProgressReporter(ctx, `Batch audience "${group.name}"`, api.secrets));
	const release = await lockAudience(stateKey);
	let result: SyncResult;
	try {
		const store = stateStore(ctx, stateKey, settings.dryRun, settings.mode === 'syncChanges');
		result = await syncAudience(api, group.name, members, syncOptions, store, progress);
	} finally {
		release();
	}
	const report = shownReport(result.report, api.secrets);
	if (result.error !== undefined && !ctx.continueOnFail()) throw chunkFailure(ctx, result, report);
	const item = await reportItem(ctx, report, result.plannedChunks);
	return { ...item, json: orderReportFields(item.json) };
}

function progressListener(progress: ProgressReporter): SyncEventListener {
	return (event) => progress.say(describeEvent(event), event.type === 'retry' || event.type === 'chunkFailed' ? 'warn' : 'info');
}

/** What Upsert gives an audience it creates: Batch's Audience Description, Batch Profile's Display Name. */
function newAudienceOf(ctx: IExecuteFunctions, itemIndex: number): NewAudience {
	return {
		description: ctx.getNodeParameter('description', itemIndex, '') as string,
		displayName: ctx.getNodeParameter('displayName', itemIndex, '') as string,
	};
}

/**
 * Sync changes keeps its state per audience and app/project; a dry run may read it but never writes it.
 * Writing runs first prune the states nobody used for 30 days and refuse to grow them past the cap.
 */
function stateStore(ctx: IExecuteFunctions, key: string, dryRun: boolean, savesState: boolean): AudienceStateStore {
	const staticData = ctx.getWorkflowStaticData('global');
	const store = staticDataStateStore(staticData, key);
	if (dryRun) return { load: () => store.load(), save: () => {}, clear: () => {} };
	if (!savesState) return store;
	const entries = storedStates(staticData);
	pruneUnusedStates(entries, key, new Date());
	const breach = stateCapBreach(entries);
	if (breach) throw new SyncInputError(breach);
	return store;
}

/** Where a run without one valid id most likely went wrong, from how the node reads its ids. */
function likelyCauses(ctx: IExecuteFunctions, itemIndex: number): string {
	const source = ctx.getNodeParameter('identifierSource', itemIndex, 'items') as IdentifierSource;
	const mapping = String(ctx.getNode().parameters.identifier ?? '').replace(/^=/, '');
	const where =
		source === 'items'
			? `the Member ID mapping (${mapping || 'empty'}) must name a field the input items have (e.g. {{ $json.user_id }})`
			: source === 'listField'
				? `"List Field" (${String(ctx.getNodeParameter('listField', itemIndex, ''))}) must name the list of ids (e.g. userIds of Get cohort's compact output)`
				: `"ID Column" (${String(ctx.getNodeParameter('csvColumn', itemIndex, ''))}) must name the CSV's id column (e.g. user_id)`;
	return (
		`Likely causes: ${where}; every member is anonymous (an empty user_id: Amplitude's anonymous users), or the ` +
		'upstream output format does not match "Identifiers From" (One Item per Member → Each Input Item, One Item With ' +
		'All User IDs → A List Field, CSV File → A CSV File).'
	);
}

function shownMessage(error: unknown, secrets: string[]): string {
	return scrubText((error as Error).message ?? String(error), secrets);
}

/** The node's error; when earlier audiences of the same run were synced, it says so. */
function nodeError(ctx: IExecuteFunctions, error: unknown, done: string[], groups: AudienceGroup[]): Error {
	const partial =
		groups.length > 1
			? `Audiences synced before the failure: ${done.length > 0 ? done.join(', ') : 'none'}; not synced: ` +
				groups
					.map((group) => group.name)
					.filter((name) => !done.includes(name))
					.join(', ') +
				'.'
			: undefined;
	if (error instanceof SyncInputError) {
		return new NodeOperationError(ctx.getNode(), error.message, { itemIndex: 0, description: partial });
	}
	const wrapped =
		error instanceof NodeOperationError
			? new NodeOperationError(ctx.getNode(), error)
			: new NodeApiError(ctx.getNode(), error as JsonObject);
	if (partial) wrapped.description = [wrapped.description, partial].filter(Boolean).join(' ');
	return wrapped;
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
	Object.assign(error.context, { retries: report.retries, throttled: report.throttled, throttledMs: report.throttledMs });
	return error;
}
