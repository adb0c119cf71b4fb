import {
	NodeConnectionTypes,
	NodeOperationError,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { scrubError } from '../shared/secrets';
import { projectKeyOf } from './exports/export-records';
import { cohortLocator } from './helpers/cohortLocator';
import { maxAgeHoursOf } from './exports/skip-unchanged';
import { searchCohorts } from './methods/listSearch';
import { listCohorts } from './transport/cohorts';
import { amplitudeCredentials, credentialSecrets } from './transport/request';
import { detectChanges } from './trigger/cohort-changes';
import { staticDataPollStateStore } from './trigger/poll-state-store';
import { selectWatched, type WatchMode } from './trigger/watched-cohorts';

interface TriggerOptions {
	emitAtLeastEveryHours?: number;
	emitOnFirstPoll?: boolean;
	includeArchived?: boolean;
}

interface PickedCohorts {
	cohort?: Array<{ cohort?: { value?: unknown } | string }>;
}

function pickedIds(picked: PickedCohorts): string[] {
	return (picked.cohort ?? []).map((entry) =>
		String((typeof entry.cohort === 'object' ? entry.cohort?.value : entry.cohort) ?? '').trim(),
	);
}

export class AmplitudeTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Amplitude Trigger',
		name: 'amplitudeTrigger',
		icon: { light: 'file:amplitude.svg', dark: 'file:amplitude.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "Cohort Changed" }}',
		description: 'Starts the workflow when Amplitude recomputes a cohort (its last computation or size changed)',
		defaults: { name: 'Amplitude Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'amplitudeCohortsApi', required: true }],
		properties: [
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				noDataExpression: true,
				default: 'cohortChanged',
				options: [
					{
						name: 'Cohort Changed',
						value: 'cohortChanged',
						description: "A watched cohort's last computation or size changed since the previous poll (read from the free cohort list: no export)",
					},
				],
			},
			{
				displayName: 'Watch',
				name: 'watch',
				type: 'options',
				noDataExpression: true,
				default: 'selected',
				options: [
					{ name: 'Selected Cohorts', value: 'selected', description: 'The cohorts picked below' },
					{ name: 'Cohorts Whose Name Contains', value: 'nameContains', description: 'Every cohort whose name contains a text' },
				],
			},
			{
				displayName: 'Cohorts',
				name: 'cohorts',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				placeholder: 'Add Cohort',
				default: {},
				displayOptions: { show: { watch: ['selected'] } },
				options: [
					{
						displayName: 'Cohort',
						name: 'cohort',
						values: [
							cohortLocator('A cohort to watch', false),
						],
					},
				],
			},
			{
				displayName: 'Name Contains',
				name: 'nameContains',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'e.g. [sync]',
				displayOptions: { show: { watch: ['nameContains'] } },
				description: 'Watch every cohort whose name contains this text (not case sensitive); new ones are picked up as they appear',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Emit All On First Poll',
						name: 'emitOnFirstPoll',
						type: 'boolean',
						default: false,
						description:
							'Whether the first poll after activation emits every watched cohort. Off: it only records them, and later polls emit the changes.',
					},
					{
						displayName: 'Emit At Least Every (Hours)',
						name: 'emitAtLeastEveryHours',
						type: 'number',
						default: 24,
						typeOptions: { minValue: 0, numberPrecision: 2 },
						description:
							'Emit a cohort unchanged for this long anyway, as Amplitude may not recompute a cohort nobody views (0: only on changes)',
					},
					{
						displayName: 'Include Archived',
						name: 'includeArchived',
						type: 'boolean',
						default: false,
						description: 'Whether to watch archived cohorts whose name matches',
						displayOptions: { show: { '/watch': ['nameContains'] } },
					},
				],
			},
		],
	};

	methods = { listSearch: { searchCohorts } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const credentials = await amplitudeCredentials(this);
		try {
			return await pollCohorts(this, projectKeyOf(String(credentials.apiKey ?? '')));
		} catch (error) {
			throw scrubError(error as Error, credentialSecrets(credentials));
		}
	}
}

async function pollCohorts(ctx: IPollFunctions, project: string): Promise<INodeExecutionData[][] | null> {
	const node = ctx.getNode();
	const manual = ctx.getMode() === 'manual';
	const mode = ctx.getNodeParameter('watch', 'selected') as WatchMode;
	const options = ctx.getNodeParameter('options', {}) as TriggerOptions;
	const cohortIds = mode === 'selected' ? pickedIds(ctx.getNodeParameter('cohorts', {}) as PickedCohorts) : [];
	const nameContains = mode === 'nameContains' ? String(ctx.getNodeParameter('nameContains', '') ?? '') : '';
	if (mode === 'selected' && cohortIds.every((id) => id === '')) {
		throw new NodeOperationError(node, 'Pick at least one cohort to watch', { description: 'Add a cohort under "Cohorts".' });
	}
	if (mode === 'nameContains' && nameContains.trim() === '') {
		throw new NodeOperationError(node, 'Give the text that the names of the cohorts to watch contain');
	}

	const emitAtLeastEveryHours = maxAgeHoursOf(options.emitAtLeastEveryHours);
	if (emitAtLeastEveryHours === null) {
		throw new NodeOperationError(
			node,
			`"Emit At Least Every (Hours)" must be a number of hours, 0 or more, not ${JSON.stringify(options.emitAtLeastEveryHours)}`,
		);
	}

	const listing = await listCohorts(ctx);
	const watched = selectWatched(listing, { mode, cohortIds, nameContains, includeArchived: options.includeArchived === true });
	if (watched.missingIds.length > 0) {
		throw new NodeOperationError(node, `Cohort ${watched.missingIds.map((id) => `"${id}"`).join(', ')} not found in this Amplitude project`, {
			description: "Check the picked cohorts, and that the credential's data centre (US or EU) is the one that hosts the project.",
		});
	}
	if (manual && watched.cohorts.length === 0) {
		throw new NodeOperationError(node, `No cohort name contains "${nameContains.trim()}"`, {
			description: 'Production polls wait for such a cohort to appear; a test needs one now.',
		});
	}

	const store = staticDataPollStateStore(ctx.getWorkflowStaticData('node'), project);
	const outcome = detectChanges(watched.cohorts, store.load(), Date.now(), {
		manual,
		emitOnFirstPoll: options.emitOnFirstPoll === true,
		emitAtLeastEveryHours,
	});
	if (!manual) store.save(outcome.state);
	if (outcome.changes.length === 0) return null;
	return [outcome.changes.map((change) => ({ json: { ...change } }))];
}
