/**
 * The JSON body of a write that carries ids: `{...head, "ids": [entries]}`, as bytes. Without extras, the
 * entries are copied from the ids' packed bytes (see PackedIds), with no string or object per id; ids with
 * extras go through objects and JSON.stringify.
 */
import type { IDataObject } from 'n8n-workflow';

import { jsonElementsOf } from '../sync/packed-ids';
import type { AudienceMember, MemberBatch } from '../sync/types';
import { jsonBody } from './http';

const ID_SUFFIX = Buffer.from('"}');
const CLOSE = Buffer.from(']}');
const PREFIXES = {
	replace: Buffer.from('{"id":"'),
	add: Buffer.from('{"action":"add","id":"'),
	remove: Buffer.from('{"action":"remove","id":"'),
};

/**
 * `entry` shapes an added or replacing member (id and the extras the API takes); a removal is only its id.
 * Not async: called before the network wait, so nothing but the bytes lives through it.
 */
export function idsBody(
	head: IDataObject,
	action: 'replace' | 'add' | 'remove',
	members: MemberBatch,
	entry: (member: AudienceMember) => IDataObject,
): Buffer {
	const { ids, extrasOf } = members;
	if (!extrasOf || action === 'remove') {
		const open = Buffer.from(JSON.stringify({ ...head, ids: [] }).slice(0, -2));
		const body = jsonElementsOf(ids, { open, prefix: PREFIXES[action], suffix: ID_SUFFIX, close: CLOSE });
		if (body) return body;
	}
	const entries: IDataObject[] = [];
	for (let index = 0; index < ids.length; index++) {
		const id = ids.get(index);
		if (action === 'remove') entries.push({ action, id });
		else {
			const extras = extrasOf?.(id);
			const member = entry(extras ? { id, ...extras } : { id });
			entries.push(action === 'add' ? { action, ...member } : member);
		}
	}
	return jsonBody({ ...head, ids: entries });
}
