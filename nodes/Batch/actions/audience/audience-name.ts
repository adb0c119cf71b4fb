/** The audience picker (searchable list or typed name) and the name rule Batch enforces. */
import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

const AUDIENCE_NAME_PATTERN = '^[a-zA-Z0-9_-]{1,255}$';
const AUDIENCE_NAME = new RegExp(AUDIENCE_NAME_PATTERN);

function isValidAudienceName(name: string): boolean {
	return AUDIENCE_NAME.test(name);
}

export function audienceLocator(searchListMethod: string, description: string): INodeProperties {
	return {
		displayName: 'Audience',
		name: 'audience',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select an audience...',
				typeOptions: { searchListMethod, searchable: true },
			},
			{
				displayName: 'By Name',
				name: 'name',
				type: 'string',
				placeholder: 'e.g. amplitude_power_users',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: AUDIENCE_NAME_PATTERN,
							errorMessage: 'Use 1 to 255 letters, digits, "_" or "-"',
						},
					},
				],
			},
		],
	};
}

/** The audience name of one item, checked before any call is made. */
export function readAudienceName(ctx: IExecuteFunctions, itemIndex: number): string {
	const raw = ctx.getNodeParameter('audience', itemIndex, '', { extractValue: true }) as unknown;
	const name = typeof raw === 'string' ? raw.trim() : '';
	if (!isValidAudienceName(name)) {
		throw new NodeOperationError(ctx.getNode(), `Invalid audience name ${JSON.stringify(raw)}`, {
			itemIndex,
			description: 'Batch audience names are 1 to 255 characters among a-z, A-Z, 0-9, "_" and "-" (case sensitive).',
		});
	}
	return name;
}
