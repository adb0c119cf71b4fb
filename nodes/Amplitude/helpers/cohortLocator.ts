/** The cohort picker, shared by Get cohort and the Amplitude Trigger: from the list, by ID, or by URL. */
import type { INodeProperties } from 'n8n-workflow';

/**
 * Cohort pages of Amplitude's app, e.g. https://app.amplitude.com/analytics/acme/cohort/ab1cd2e?tab=x.
 * n8n anchors validation regexes itself (^…$), and takes group 1 as the cohort ID.
 */
const COHORT_URL_REGEX = 'https?://[^/]*amplitude\\.com/(?:.*/)?cohort/([A-Za-z0-9_-]+)(?:[/?#].*)?';
const COHORT_ID_REGEX = '[A-Za-z0-9_-]+';

export function cohortLocator(description: string, withUrl: boolean): INodeProperties {
	const locator: INodeProperties = {
		displayName: 'Cohort',
		name: 'cohort',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		description,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchCohorts', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. ab1cd2e',
				validation: [{ type: 'regex', properties: { regex: COHORT_ID_REGEX, errorMessage: 'Not a valid cohort ID' } }],
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: 'e.g. https://app.amplitude.com/analytics/acme/cohort/ab1cd2e',
				extractValue: { type: 'regex', regex: COHORT_URL_REGEX },
				validation: [
					{ type: 'regex', properties: { regex: COHORT_URL_REGEX, errorMessage: 'Not the URL of a cohort page in Amplitude' } },
				],
			},
		],
	};
	if (!withUrl) locator.modes = locator.modes!.filter((mode) => mode.name !== 'url');
	return locator;
}
