/** The Audience resource, the same for both nodes: its operations, and its form for one API. */
import type { INodeProperties } from 'n8n-workflow';

import { audienceLocator } from './audience-name';
import type { BatchApiName } from './connect';
import * as del from './delete.operation';
import {
	identifierTypeProperty,
	memberSourceProperties,
	operationProperty,
	simpleOptionsProperty,
	syncOptionsProperty,
} from './fields';
import * as get from './get.operation';
import * as getAll from './getAll.operation';
import * as removeMembers from './removeMembers.operation';
import * as upsert from './upsert.operation';

export const operations = { upsert, get, getAll, delete: del, removeMembers };

const PICKER_HELP: Record<BatchApiName, string> = {
	customAudience: 'The audience of the app: picked from the list or typed by name (created by Upsert if missing)',
	profileAudiences: 'The project audience: picked from the list or typed by name (created by Upsert if missing)',
};

export function audienceProperties(api: BatchApiName): INodeProperties[] {
	return [
		operationProperty,
		...(api === 'customAudience' ? [identifierTypeProperty] : []),
		{
			...audienceLocator('searchAudiences', PICKER_HELP[api]),
			displayOptions: { show: { resource: ['audience'], operation: ['upsert', 'get', 'delete', 'removeMembers'] } },
		},
		upsert.modeProperty,
		...memberSourceProperties(api),
		upsert.newAudienceProperty(api),
		...getAll.description,
		syncOptionsProperty(),
		simpleOptionsProperty(['get', 'getAll', 'delete']),
	];
}
