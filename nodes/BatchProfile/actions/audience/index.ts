/** The Audience resource of the Batch Profile node: the shared operations on a project's Audiences API. */
import type { INodeProperties } from 'n8n-workflow';

import { audienceLocator } from '../../../shared/audience/audience-name';
import { getAllProperties, operationProperty } from '../../../shared/audience/operation-properties';
import {
	memberSourceProperties,
	modeProperty,
	simpleOptionsProperty,
	syncOptionsProperty,
} from '../../../shared/audience/sync-properties';
import * as del from './delete.operation';
import * as get from './get.operation';
import * as getAll from './getAll.operation';
import * as removeMembers from './removeMembers.operation';
import * as upsert from './upsert.operation';

export { del as delete, get, getAll, removeMembers, upsert };

export const descriptions: INodeProperties[] = [
	operationProperty,
	{
		...audienceLocator('searchAudiences', 'The project audience: picked from the list or typed by name (created by Upsert if missing)'),
		displayOptions: { show: { resource: ['audience'], operation: ['upsert', 'get', 'delete', 'removeMembers'] } },
	},
	modeProperty(),
	...memberSourceProperties({ attributes: {}, tags: false }),
	...upsert.description,
	...getAllProperties,
	syncOptionsProperty(),
	simpleOptionsProperty(['get', 'getAll', 'delete']),
];
