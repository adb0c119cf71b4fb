/**
 * Parameters of the two operations that feed the sync engine (Upsert and Remove Members), shared by both
 * nodes. A node adds its own API-specific fields and says where attributes and tags are accepted.
 */
import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

import { retryTimeBudgetOption } from '../retry-options';

type Show = NonNullable<IDisplayOptions['show']>;

export interface SyncPropertiesOptions {
	/** Extra conditions under which per-member attributes are offered (false: never). */
	attributes: Show | false;
	/** Extra conditions under which tags are offered (false: never). */
	tags: Show | false;
}

const RESOURCE = { resource: ['audience'] };
const SYNC_OPERATIONS = ['upsert', 'removeMembers'];

export function modeProperty(): INodeProperties {
	return {
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
}

export function memberSourceProperties(options: SyncPropertiesOptions): INodeProperties[] {
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
					description: 'A field holding an array of IDs, such as the compact cohort output of the Amplitude node',
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
			description: 'Name of the field holding the array of IDs (dot notation for nested fields). Every input item is read.',
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
	if (options.attributes) {
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
				displayOptions: { show: { ...upsertOnly, identifierSource: ['items'], ...options.attributes } },
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
				displayOptions: { show: { ...upsertOnly, identifierSource: ['binaryCsv'], ...options.attributes } },
			},
		);
	}
	if (options.tags) {
		properties.push({
			displayName: 'Tags',
			name: 'tags',
			type: 'string',
			default: '',
			placeholder: 'e.g. {{ $json.tags }}',
			description: 'Tags of each added member: an array, or a comma-separated text',
			displayOptions: { show: { ...upsertOnly, identifierSource: ['items'], ...options.tags } },
		});
	}
	return properties;
}

/** The options shared by Upsert and Remove Members. */
export function syncOptionsProperty(): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { ...RESOURCE, operation: SYNC_OPERATIONS } },
		// Sorted by name as the editor lists them, whichever helper contributes an option.
		options: byDisplayName([
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
	};
}

function byDisplayName(properties: INodeProperties[]): INodeProperties[] {
	return [...properties].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

export function retryOptions(): INodeProperties[] {
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
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { ...RESOURCE, operation: operations } },
		options: retryOptions(),
	};
}
