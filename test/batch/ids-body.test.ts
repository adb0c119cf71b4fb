/**
 * idsBody writes a write's JSON from the ids' packed bytes when no extras travel: the bytes must be exactly
 * what JSON.stringify makes of the same body, for every action, any id, whole lists and views of them.
 */
import type { IDataObject } from 'n8n-workflow';

import { idsBody } from '../../nodes/Batch/api/ids-body';
import { PackedIds, type IdList } from '../../nodes/Batch/sync/packed-ids';
import type { AudienceMember, MemberExtras } from '../../nodes/Batch/sync/types';

const AWKWARD = ['plain', 'é', '用户', '😀', 'a"b', 'back\\slash', 'tab\there', 'line\nbreak', 'lone\ud800', '\u007f'];
const entry = (member: AudienceMember): IDataObject => ({ ...member }) as IDataObject;

function expected(head: IDataObject, action: 'replace' | 'add' | 'remove', ids: string[], extras: Record<string, IDataObject> = {}) {
	const entries = ids.map((id) => {
		if (action === 'remove') return { action, id };
		const member = { id, ...extras[id] };
		return action === 'add' ? { action, ...member } : member;
	});
	return JSON.stringify({ ...head, ids: entries });
}

describe('idsBody', () => {
	const store = PackedIds.of([...AWKWARD, ...Array.from({ length: 25_000 }, (_, n) => `user-${n}`)]);
	const lists: Array<[string, IdList]> = [
		['a whole store', store],
		['a range', store.slice(3, 10_003)],
		['picked positions', store.pick(Int32Array.from([9, 1, 20_000, 4])).slice(1)],
		['nothing', store.slice(5, 5)],
		['a plain list', { length: 2, get: (index: number) => ['x', 'y"'][index], slice: () => store }],
	];
	const heads: IDataObject[] = [{ name: 'vip "club"' }, { type: 'custom_ids' }];

	it.each(lists)('writes JSON.stringify\'s bytes for %s, every action and both APIs\' heads', (_name, ids) => {
		const strings = Array.from({ length: ids.length }, (_, index) => ids.get(index));
		for (const head of heads) {
			for (const action of ['replace', 'add', 'remove'] as const) {
				expect(idsBody(head, action, { ids }, entry).toString()).toBe(expected(head, action, strings));
			}
		}
	});

	it('writes the extras of added and replacing ids, never of removed ones', () => {
		const ids = store.slice(0, 6);
		const extras: Record<string, IDataObject> = { plain: { attributes: { plan: 'pro' } }, 'a"b': { tags: ['x'] } };
		const members = { ids, extrasOf: (id: string) => extras[id] as MemberExtras | undefined };
		const strings = AWKWARD.slice(0, 6);
		expect(idsBody({ name: 'vip' }, 'add', members, entry).toString()).toBe(expected({ name: 'vip' }, 'add', strings, extras));
		expect(idsBody({ name: 'vip' }, 'replace', members, entry).toString()).toBe(expected({ name: 'vip' }, 'replace', strings, extras));
		expect(idsBody({ name: 'vip' }, 'remove', members, entry).toString()).toBe(expected({ name: 'vip' }, 'remove', strings));
	});
});
