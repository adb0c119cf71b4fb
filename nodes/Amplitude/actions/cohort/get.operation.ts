/**
 * Cohort → Get: export one cohort's members (start once, poll, download, parse as a stream) and
 * output them as items, one compact item, or a CSV file.
 */
import {
	NodeApiError,
	NodeOperationError,
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { runsAsAgentTool } from '../../../shared/agent/tool-mode';
import { CsvFormatError } from '../../../shared/csv';
import { figuresSince } from '../../../shared/retry';
import { retryTimeBudgetOption } from '../../../shared/retry-options';
import { runRetryPolicy } from '../../../shared/run-retry-settings';
import { formatCount } from '../../helpers/cohortFields';
import { cohortLocator } from '../../helpers/cohortLocator';
import { readExportMembers, type MemberRows } from '../../helpers/members';
import { readGetCohortNumbers } from '../../helpers/numeric-options';
import { checkResumedCohort, noteExportSeen, resumedExportNote, type ResumedExportNote } from '../../helpers/resumed-export';
import { ProgressReporter } from '../../../shared/progress';
import { guardExport, type ExportGuardOptions } from '../../exports/export-guard';
import { agentMemberLimit, agentSummaryJson, agentSummaryProperties, collectAgentSummary } from '../../output/agent-summary';
import { MemberCsvFile, storeCsvBinary, type CsvColumns } from '../../output/binary';
import { collectUserIds, compactProperties, type UserIdsForm } from '../../output/compact';
import { UserIdText } from '../../output/user-id-text';
import { emptyCounts, type MemberCounts } from '../../output/counts';
import { pushMemberItems } from '../../output/items';
import { hintSavedSizeOfItems, hintSavingOfIdList } from '../../output/saved-size-hint';
import { listCohorts, type AmplitudeCohort } from '../../transport/cohorts';
import {
	formatSeconds,
	openExportFile,
	startCohortExport,
	waitForExport,
	type UserPropertiesMode,
} from '../../transport/export';
import { DownloadIncompleteError } from '../../transport/download-guard';
import { asNodeError } from '../../transport/errors';
import type { CallSettings } from '../../transport/request';

export type OutputFormat = 'items' | 'compact' | 'binary';

const properties: INodeProperties[] = [
	{ ...cohortLocator('The cohort whose members to export', true), required: true },
	{
		displayName: 'Output Format',
		name: 'outputFormat',
		type: 'options',
		default: 'items',
		// An agent's tool returns a summary instead (agent-summary.ts).
		displayOptions: { show: { '@tool': [false] } },
		options: [
			{
				name: 'One Item per Member',
				value: 'items',
				description: 'Amplitude_id, user_id and the user properties of each member: ready for field mapping',
			},
			{
				name: 'One Item With All User IDs',
				value: 'compact',
				description: "The cohort's details and its members' user IDs, as one text or a list (see User IDs As): for big cohorts",
			},
			{
				name: 'CSV File',
				value: 'binary',
				description: 'The members as a CSV file in a binary property, written as it downloads: for the biggest cohorts',
			},
		],
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: { outputFormat: ['binary'] } },
		hint: 'The name of the output binary field to put the file in',
	},
	{
		displayName: 'CSV Columns',
		name: 'csvColumns',
		type: 'options',
		default: 'amplitudeIdAndUserId',
		displayOptions: { show: { outputFormat: ['binary'] } },
		options: [
			{
				name: 'Amplitude ID and User ID',
				value: 'amplitudeIdAndUserId',
				description: 'Columns amplitude_id and user_id, then the user properties asked for',
			},
			{
				name: 'User ID Only',
				value: 'userId',
				description:
					'Column user_id, then the user properties asked for: about half the file, for a sync to Batch. Members without a user ID (anonymous) are left out.',
			},
		],
	},
	...compactProperties,
	{
		displayName: 'User Properties',
		name: 'userProperties',
		type: 'options',
		default: 'none',
		displayOptions: { show: { '@tool': [false] }, hide: { outputFormat: ['compact'] } },
		description:
			'Which user properties to include with each member. Amplitude advises leaving them out if exports keep timing out.',
		options: [
			{ name: 'None', value: 'none', description: 'Only amplitude_id and user_id' },
			{ name: 'All', value: 'all', description: 'Every user property' },
			{ name: 'Selected', value: 'selected', description: 'Only the properties listed below' },
		],
	},
	{
		displayName: 'Property Keys',
		name: 'propertyKeys',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. country, plan',
		displayOptions: { show: { userProperties: ['selected'] }, hide: { outputFormat: ['compact'] } },
		description: 'Comma-separated names of the user properties to include',
	},
	...agentSummaryProperties,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Download Idle Timeout (Seconds)',
				name: 'downloadIdleTimeoutSeconds',
				type: 'number',
				default: 60,
				typeOptions: { minValue: 1, numberPrecision: 2 },
				description:
					'Give up a download that sends no data for this long, and download the file again from a fresh link',
			},
			{
				displayName: 'Export At Least Every (Hours)',
				name: 'exportAtLeastEveryHours',
				type: 'number',
				default: 24,
				typeOptions: { minValue: 0, numberPrecision: 2 },
				description:
					'With Skip If Unchanged: export anyway when the last export is older than this, as Amplitude may not recompute a cohort nobody views',
			},
			{
				displayName: 'Maximum Retries',
				name: 'maxRetries',
				type: 'number',
				default: 8,
				typeOptions: { minValue: 0 },
				description:
					'How many times to retry a request that fails (5xx), fails on the network or times out. Rate limits (429) are retried within the Retry Time Budget instead.',
			},
			{
				displayName: 'Maximum Wait (Seconds)',
				name: 'maxWaitSeconds',
				type: 'number',
				default: 600,
				typeOptions: { minValue: 0, numberPrecision: 2 },
				description:
					'How long to wait for the export to be ready. Past it, the error gives the request ID to resume with.',
			},
			{
				displayName: 'Monthly Export Budget',
				name: 'monthlyExportBudget',
				type: 'number',
				default: 0,
				typeOptions: { minValue: 0 },
				description:
					'Fail before exporting when this workflow has already started this many exports of the project this UTC month (0: no budget). Amplitude allows 500 a month per project.',
			},
			{
				displayName: 'Poll Interval (Seconds)',
				name: 'pollIntervalSeconds',
				type: 'number',
				default: 5,
				typeOptions: { minValue: 0.01, numberPrecision: 2 },
				description: 'Time between two checks of the export status',
			},
			{
				displayName: 'Request Timeout (Seconds)',
				name: 'requestTimeoutSeconds',
				type: 'number',
				default: 60,
				typeOptions: { minValue: 0.1, numberPrecision: 1 },
				description:
					'Longest time one call to Amplitude (list, start, status) may take; a call that times out is retried like a network error. Downloads have their own idle timeout.',
			},
			{
				displayName: 'Resume Export Request ID',
				name: 'resumeRequestId',
				type: 'string',
				default: '',
				description:
					'Request ID of an export started earlier (given by a time-out error): waits for it and downloads it instead of starting a new export. Exports are limited to 500 a month.',
			},
			retryTimeBudgetOption('Amplitude'),
			{
				displayName: 'Skip Anonymous Members',
				name: 'skipAnonymous',
				type: 'boolean',
				default: false,
				description:
					'Whether to leave out members without a user ID (anonymous users). The compact format always lists user IDs only.',
			},
			{
				displayName: 'Skip If Unchanged',
				name: 'skipIfUnchanged',
				type: 'boolean',
				default: false,
				description:
					"Whether to start no export and output no items when the cohort's last computation and size are those of this node's last export (production runs only; the free cohort list tells)",
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['cohort'], operation: ['get'] } }, properties);

interface GetOptions extends ExportGuardOptions {
	maxRetries?: number;
	maxWaitSeconds?: number;
	pollIntervalSeconds?: number;
	resumeRequestId?: string;
	skipAnonymous?: boolean;
}

function propertyKeysOf(value: unknown): string[] {
	const list = Array.isArray(value) ? value.map(String) : String(value ?? '').split(',');
	return list.map((key) => key.trim()).filter((key) => key !== '');
}

async function findCohort(ctx: IExecuteFunctions, cohortId: string, settings: CallSettings): Promise<AmplitudeCohort> {
	const cohort = (await listCohorts(ctx, settings)).find((candidate) => String(candidate.id) === cohortId);
	if (!cohort) {
		throw new NodeOperationError(ctx.getNode(), `Cohort "${cohortId}" was not found in this Amplitude project`, {
			itemIndex: settings.itemIndex,
			description:
				"Check the cohort ID, and that the credential's data centre (US or EU) is the one that hosts the project.",
		});
	}
	return cohort;
}

export async function execute(this: IExecuteFunctions, itemIndex: number, output: INodeExecutionData[]): Promise<void> {
	const cohortId = String(this.getNodeParameter('cohort', itemIndex, '', { extractValue: true }) ?? '').trim();
	if (cohortId === '') throw new NodeOperationError(this.getNode(), 'Choose a cohort', { itemIndex });
	const format = this.getNodeParameter('outputFormat', itemIndex, 'items') as OutputFormat;
	const agent = runsAsAgentTool(this) ? agentMemberLimit(this, itemIndex) : undefined;
	const propertiesMode: UserPropertiesMode =
		format === 'compact' || agent ? 'none' : (this.getNodeParameter('userProperties', itemIndex, 'none') as UserPropertiesMode);
	const propertyKeys = propertiesMode === 'selected' ? propertyKeysOf(this.getNodeParameter('propertyKeys', itemIndex, '')) : [];
	const options = this.getNodeParameter('options', itemIndex, {}) as GetOptions;
	const numbers = readGetCohortNumbers(this, options, itemIndex);
	const pollIntervalMs = numbers.pollIntervalSeconds * 1000;
	const maxWaitMs = numbers.maxWaitSeconds * 1000;
	const skipAnonymous = options.skipAnonymous === true;
	const csvColumns = format === 'binary' ? (this.getNodeParameter('csvColumns', itemIndex, 'amplitudeIdAndUserId') as CsvColumns) : undefined;
	const resumeRequestId = (options.resumeRequestId ?? '').trim();

	const progress = new ProgressReporter(this, `Amplitude cohort ${cohortId}`);
	const settings: CallSettings = {
		itemIndex,
		retryPolicy: runRetryPolicy(this, { ...options, maxRetries: numbers.maxRetries }, itemIndex),
		onRetry: (message) => progress.say(message),
	};
	// Retries, 429s and time waited by this item's calls, for its output (the budget is the run's).
	const retriesAtStart = settings.retryPolicy?.budget?.figures();

	const cohort = await findCohort(this, cohortId, settings);
	const cohortName = String(cohort.name ?? '');
	const guard = await guardExport(this, cohort, { ...options, itemIndex, resuming: resumeRequestId !== '' });
	if (!guard) return;
	const exportStarted = Date.now();
	let requestId = resumeRequestId;
	let resumed: ResumedExportNote | undefined;
	if (requestId) {
		progress.say(`resuming export ${requestId} of "${cohortName}"`);
		resumed = resumedExportNote(this, requestId, noteExportSeen(this, requestId));
	} else {
		requestId = await startCohortExport(this, cohortId, { mode: propertiesMode, keys: propertyKeys }, settings);
		noteExportSeen(this, requestId);
		guard.exportStarted();
		progress.say(`export ${requestId} of "${cohortName}" started (${formatCount(Number(cohort.size ?? 0))} members)`);
	}
	await waitForExport(
		this,
		requestId,
		{
			pollIntervalMs,
			maxWaitMs,
			onRunning: (elapsedMs) => progress.say(`export running, ${formatSeconds(elapsedMs)}`),
			onCohortId: (answered) => checkResumedCohort(this, requestId, cohortId, answered, itemIndex),
		},
		settings,
	);
	const exportMs = Date.now() - exportStarted;
	progress.say(`export ready after ${formatSeconds(exportMs)}, downloading`);

	const downloadStarted = Date.now();
	const reopen = async () =>
		await openExportFile(this, requestId, settings, { idleTimeoutMs: numbers.downloadIdleTimeoutSeconds * 1000 });
	const first = await reopen();
	let counts: MemberCounts = emptyCounts();
	const csvFile =
		format === 'binary' && !agent ? new MemberCsvFile({ skipAnonymous, withAmplitudeId: csvColumns !== 'userId' }, counts) : undefined;
	const userIdsAs = format === 'compact' && !agent ? (this.getNodeParameter('userIdsAs', itemIndex) as UserIdsForm) : undefined;
	const idText = userIdsAs === 'text' ? new UserIdText(counts, { node: this.getNode(), itemIndex }) : undefined;
	const members: AsyncIterable<MemberRows> = readExportMembers({
		first,
		reopen,
		maxRestarts: 3,
		// Nothing else is needed: no string is made for the other columns.
		userIdOnly: agent !== undefined || format === 'compact' || (csvColumns === 'userId' && propertiesMode === 'none'),
		onRowBytes: csvFile?.row ?? idText?.row,
		expectedRows: Number.isFinite(Number(cohort.size)) ? Number(cohort.size) : undefined,
		onProgress: (rows) => progress.say(`downloaded ${formatCount(rows)} members`),
		onRestart: (rows, why) =>
			progress.say(
				`download cut after ${formatCount(rows)} members${why instanceof Error ? ` (${why.message})` : ''}; ` +
					'downloading again from a fresh link',
			),
	});

	const summary = { cohortId, cohortName, requestId, ...(resumed ? { resumedExport: resumed } : {}) };
	const pairedItem = { item: itemIndex };
	const outputStart = output.length;
	try {
		if (agent) {
			const collected = await collectAgentSummary(members, agent.limit);
			counts = collected;
			const exportInfo = { thisMonth: guard.exportsThisMonth(), resumed: resumed !== undefined };
			output.push({ json: agentSummaryJson(summary, collected, agent, exportInfo), pairedItem });
		} else if (format === 'compact') {
			let userIds: string[] | string;
			if (idText) userIds = await idText.collect(members);
			else ({ userIds, ...counts } = await collectUserIds(members));
			hintSavingOfIdList(this, userIds);
			const phases = { exportMs, downloadMs: Date.now() - downloadStarted };
			const retries = figuresSince(settings.retryPolicy?.budget, retriesAtStart);
			output.push({ json: { ...summary, ...counts, userIds, phases, ...retries, exportsThisMonth: guard.exportsThisMonth() }, pairedItem });
		} else if (csvFile) {
			const binaryPropertyName = this.getNodeParameter('binaryPropertyName', itemIndex, 'data') as string;
			const fileName = `amplitude-cohort-${cohortId}.csv`;
			const binary = await storeCsvBinary(this, first.source, csvFile.chunks(members), fileName);
			const phases = { exportMs, downloadMs: Date.now() - downloadStarted };
			output.push({
				json: { ...summary, ...counts, fileName, phases, ...figuresSince(settings.retryPolicy?.budget, retriesAtStart), exportsThisMonth: guard.exportsThisMonth() },
				binary: { [binaryPropertyName]: binary },
				pairedItem,
			});
		} else {
			counts = await pushMemberItems(members, { skipAnonymous, pairedItem }, output);
		}
	} catch (error) {
		// No half cohort: drop what this item already pushed.
		output.length = outputStart;
		if (error instanceof NodeApiError || error instanceof NodeOperationError) throw asNodeError(this.getNode(), error, itemIndex);
		if (error instanceof DownloadIncompleteError) {
			throw new NodeOperationError(
				this.getNode(),
				`The export file of cohort "${cohortName}" (request id ${requestId}) did not download completely: ${error.message}`,
				{
					itemIndex,
					description:
						'It was downloaded again from fresh links, without success; no member was output. To try again without starting a new ' +
						`export, put ${requestId} in the option "Resume Export Request ID", or raise "Download Idle Timeout" if the network is slow.`,
				},
			);
		}
		if (error instanceof CsvFormatError) {
			throw new NodeOperationError(this.getNode(), `The export file of cohort "${cohortName}" is truncated or malformed: ${error.message}`, {
				itemIndex,
				description: `Request id ${requestId}: to download it again without starting a new export, put it in the option "Resume Export Request ID".`,
			});
		}
		throw new NodeOperationError(this.getNode(), error as Error, {
			itemIndex,
			message: `Reading the export file of cohort "${cohortName}" failed: ${(error as Error).message}`,
			description: `Request id ${requestId}: to download it again without starting a new export, put it in the option "Resume Export Request ID".`,
		});
	}
	guard.exportCompleted();
	hintSavedSizeOfItems(this, format, output.length - outputStart);
	const downloadMs = Date.now() - downloadStarted;
	progress.say(
		`done: ${formatCount(counts.memberCount)} members (${formatCount(counts.anonymousCount)} anonymous); ` +
			`export ${formatSeconds(exportMs)}, download ${formatSeconds(downloadMs)}`,
	);
}
