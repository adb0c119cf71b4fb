/**
 * The fields several Audience operations share, in both nodes: the resource and operation, the app's
 * identifier type, where Upsert and Remove Members read their members, and the options. Each operation's
 * own fields are in its file.
 */
import type { INodeProperties } from 'n8n-workflow';

import { retryTimeBudgetOption } from '../../../shared/retry-options';
import type { BatchApiName } from './connect';

export const RESOURCE = { resource: ['audience'] };
const SYNC_OPERATIONS = ['upsert', 'removeMembers'];

export const resourceProperty: INodeProperties = {
	displayName: 'Resource',
	name: 'resource',
	type: 'options',
	noDataExpression: true,
	default: 'audience',
	options: [{ name: 'Audience', value: 'audience' }],
};

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'upsert',
	displayOptions: { show: RESOURCE },
	options: [
		{
			name: 'Create or Update',
			value: 'upsert',
			description: 'Create a new record, or update the current one if it already exists (upsert)',
			action: 'Upsert audience',
		},
		{ name: 'Delete', value: 'delete', description: 'Delete an audience', action: 'Delete an audience' },
		{ name: 'Get', value: 'get', description: 'Get an audience: size and indexing state', action: 'Get an audience' },
		{ name: 'Get Many', value: 'getAll', description: 'List audiences', action: 'Get many audiences' },
		{
			name: 'Remove Members',
			value: 'removeMembers',
			description: 'Remove the input IDs from an audience',
			action: 'Remove members from an audience',
		},
	],
};

/** Batch (one app) only: what the member IDs are, which decides the audience type and the API version. */
export const identifierTypeProperty: INodeProperties = {
	displayName: 'Identifier Type',
	name: 'identifierType',
	type: 'options',
	default: 'customUserId',
	description: 'What the member IDs are; it decides the audience type and the API version',
	displayOptions: { show: RESOURCE },
	options: [
		{
			name: 'Advertising ID',
			value: 'advertisingId',
			description: 'GAID / IDFA (advertising_ids audience, Custom Audience API 1.0)',
		},
		{
			name: 'Custom User ID',
			value: 'customUserId',
			description: 'The ID your app sets with Batch (custom_ids audience, Custom Audience API 1.0)',
		},
		{
			name: 'Installation ID',
			value: 'installationId',
			description: 'Batch installation IDs (install_ids audience, Custom Audience API 1.1: attributes and tags accepted)',
		},
	],
};

/**
 * Where Upsert and Remove Members read their members. Per-member attributes: on Batch Profile, and on
 * Batch for Installation IDs (Custom Audience API 1.1), which also takes tags.
 */
export function memberSourceProperties(api: BatchApiName): INodeProperties[] {
	const app = api === 'customAudience';
	const perMember = app ? { identifierType: ['installationId'] } : {};
	const sync = { ...RESOURCE, operation: SYNC_OPERATIONS };
	const upsertOnly = { ...RESOURCE, operation: ['upsert'] };
	const properties: INodeProperties[] = [
		{
			displayName: 'Identifiers From',
			name: 'identifierSource',
			type: 'options',
			default: 'items',
			displayOptions: { show: sync },
			options: [
				{
					name: 'Each Input Item',
					value: 'items',
					description: 'One member per input item, its ID mapped from a field (drag it from the input panel)',
				},
				{
					name: 'A List Field',
					value: 'listField',
					description: 'A field holding the IDs: an array, or a text with one ID per line (the compact cohort output of the Amplitude node, as a list or as text)',
				},
				{
					name: 'A CSV File (Binary)',
					value: 'binaryCsv',
					description: 'A column of a CSV file in a binary property, read as a stream (gzip accepted)',
				},
			],
		},
		{
			displayName: 'Member ID',
			name: 'identifier',
			type: 'string',
			default: '={{ $json.user_id }}',
			required: true,
			description:
				'The ID of the member this item stands for. Items with an empty ID (e.g. anonymous Amplitude users) are counted as invalid and skipped.',
			displayOptions: { show: { ...sync, identifierSource: ['items'] } },
		},
		{
			displayName: 'List Field',
			name: 'listField',
			type: 'string',
			default: 'userIds',
			required: true,
			placeholder: 'e.g. userIds',
			description: 'Name of the field holding the IDs, an array or a text with one ID per line ended by a line break (dot notation for nested fields). Every input item is read.',
			displayOptions: { show: { ...sync, identifierSource: ['listField'] } },
		},
		{
			displayName: 'Input Binary Field',
			name: 'binaryPropertyName',
			type: 'string',
			default: 'data',
			required: true,
			hint: 'The name of the input binary field containing the CSV file',
			displayOptions: { show: { ...sync, identifierSource: ['binaryCsv'] } },
		},
		{
			displayName: 'ID Column',
			name: 'csvColumn',
			type: 'string',
			default: 'user_id',
			required: true,
			description: 'Header of the CSV column holding the IDs',
			displayOptions: { show: { ...sync, identifierSource: ['binaryCsv'] } },
		},
	];
	properties.push(
		{
			displayName: 'Attributes',
			name: 'attributes',
			type: 'fixedCollection',
			placeholder: 'Add Attribute',
			default: {},
			typeOptions: { multipleValues: true },
			description:
				'Attributes sent with each added member (names: letters, digits and "_"; typed names such as date(signup) are sent as written). Empty values are not sent.',
			displayOptions: { show: { ...upsertOnly, identifierSource: ['items'], ...perMember } },
			options: [
				{
					displayName: 'Attribute',
					name: 'attribute',
					values: [
						{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'e.g. plan' },
						{ displayName: 'Value', name: 'value', type: 'string', default: '', placeholder: 'e.g. {{ $json.plan }}' },
					],
				},
			],
		},
		{
			displayName: 'Attribute Columns',
			name: 'attributeColumns',
			type: 'string',
			default: '',
			placeholder: 'e.g. plan,country',
			description: 'Comma-separated CSV columns sent as attributes of each added member (empty values are not sent)',
			displayOptions: { show: { ...upsertOnly, identifierSource: ['binaryCsv'], ...perMember } },
		},
	);
	if (app) {
		properties.push({
			displayName: 'Tags',
			name: 'tags',
			type: 'string',
			default: '',
			placeholder: 'e.g. {{ $json.tags }}',
			description: 'Tags of each added member: an array, or a comma-separated text',
			displayOptions: { show: { ...upsertOnly, identifierSource: ['items'], ...perMember } },
		});
	}
	return properties;
}

/** An operation's Options collection. */
function optionsCollection(operations: string[], options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { ...RESOURCE, operation: operations } },
		options,
	};
}

/** The options shared by Upsert and Remove Members. */
export function syncOptionsProperty(): INodeProperties {
	return optionsCollection(
		SYNC_OPERATIONS,
		// Sorted by name as the editor lists them, whichever helper contributes an option.
		byDisplayName([
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				default: 4,
				typeOptions: { minValue: 1, maxValue: 16 },
				description: 'How many calls of up to 10,000 IDs are sent at the same time',
			},
			{
				displayName: 'Create If Missing',
				name: 'createIfMissing',
				type: 'boolean',
				default: true,
				description: 'Whether to create the audience when it does not exist (Upsert only)',
			},
			{
				displayName: 'Dry Run',
				name: 'dryRun',
				type: 'boolean',
				default: false,
				description: 'Whether to only compute and report what would be sent, writing nothing',
			},
			{
				displayName: 'Max Indexing Wait (Seconds)',
				name: 'maxIndexingWaitSeconds',
				type: 'number',
				default: 60,
				typeOptions: { minValue: 0 },
				description:
					'Longest wait for Batch to index the writes (with Wait for Indexing), and for pending indexing before Sync Changes compares the audience size with its state',
			},
			...retryOptions(),
			{
				displayName: 'Wait for Indexing',
				name: 'waitForIndexing',
				type: 'boolean',
				default: false,
				description: 'Whether to poll the audience after the last write until Batch reports it APPLIED (or the maximum wait)',
			},
			{
				displayName: 'Full Resync Every (Hours)',
				name: 'fullResyncEveryHours',
				type: 'number',
				default: 168,
				typeOptions: { minValue: 0 },
				description:
					'Sync Changes: replace the whole audience when the last full Replace is older than this, to repair what no check can see (0: never). Default: a week.',
			},
			{
				displayName: 'Maximum Share Removed Per Run (%)',
				name: 'maxRemovedSharePercent',
				type: 'number',
				default: 20,
				typeOptions: { minValue: 0, maxValue: 100 },
				description:
					'Fail before writing anything when a run would remove more than this percentage of the audience (a broken upstream, a wrong mapping). Not set: no limit.',
			},
		]),
	);
}

function byDisplayName(properties: INodeProperties[]): INodeProperties[] {
	return [...properties].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

function retryOptions(): INodeProperties[] {
	return [
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			default: 8,
			typeOptions: { minValue: 0, maxValue: 20 },
			description: 'Retries of a call answered 5xx or failing on the network (or timing out), with exponential backoff. Rate limits (429) are retried within the Retry Time Budget instead.',
		},
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'requestTimeoutSeconds',
			type: 'number',
			default: 60,
			typeOptions: { minValue: 0.1, numberPrecision: 1 },
			description: 'Longest time one call to Batch may take; a call that times out is retried like a network error',
		},
		{
			displayName: 'Retry Base Delay (Ms)',
			name: 'retryBaseDelayMs',
			type: 'number',
			default: 1000,
			typeOptions: { minValue: 1 },
			description: 'First backoff, doubled at each retry (with jitter, capped at two minutes)',
		},
		retryTimeBudgetOption('Batch'),
	];
}

/** Options of the simple operations (Get, Get Many, Delete). */
export function simpleOptionsProperty(operations: string[]): INodeProperties {
	return optionsCollection(operations, retryOptions());
}
