/** The sync engine's logic without HTTP: collection, planning, state, execution and mode decisions. */
import { MemberCollector } from '../../nodes/Batch/sync/member-collector';
import { planSync } from '../../nodes/Batch/sync/plan';
import { diffIds } from '../../nodes/Batch/sync/id-diff';
import { idsOf, PackedIds, type IdList } from '../../nodes/Batch/sync/packed-ids';
import { decodeState, encodeState } from '../../nodes/Batch/sync/state-codec';
import { audienceStateKey, staticDataStateStore } from '../../nodes/Batch/sync/state-store';
import { syncAudience, SyncInputError, type SyncOptions } from '../../nodes/Batch/sync/sync-audience';
import { runPool } from '../../nodes/Batch/sync/execute-plan';
import type { SyncEvent } from '../../nodes/Batch/sync/events';
import { describeChunkOutcomes } from '../../nodes/Batch/sync/report';
import { FakeAudience, httpError } from './sync-fake-audience';

const collect = (values: unknown[], maxLength?: number) => {
	const collector = new MemberCollector(maxLength);
	values.forEach((value, itemIndex) => collector.add(value, undefined, { itemIndex }));
	return collector.finish();
};

const packed = (ids: string[]) => PackedIds.of(ids);
const plain = (diff: { entered: IdList; left: IdList; unchanged: number }) => ({ ...diff, entered: idsOf(diff.entered), left: idsOf(diff.left) });

const fastRetry = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 };
const options = (overrides: Partial<SyncOptions> = {}): SyncOptions => ({
	mode: 'add',
	dryRun: false,
	createIfMissing: true,
	concurrency: 2,
	retryPolicy: fastRetry,
	waitForIndexing: false,
	maxIndexingWaitMs: 50,
	indexingPollMs: 1,
	...overrides,
});

describe('MemberCollector', () => {
	it('counts empty, non-string, too long and duplicate ids, and keeps the rest in first-seen order', () => {
		const members = collect(['b', 'a', '', '  ', null, undefined, 42, { id: 'x' }, 'b', ' a ', 'x'.repeat(6), 'c'], 5);
		expect(idsOf(members.ids)).toEqual(['b', 'a', 'c']);
		expect(members.counts).toEqual({
			received: 12,
			unique: 3,
			duplicates: 2,
			invalid: 7,
			empty: 4,
			nonString: 2,
			tooLong: 1,
		});
		expect(members.invalidSamples[0]).toEqual({ reason: 'empty', value: '""', itemIndex: 2 });
		expect(members.invalidSamples.find((s) => s.reason === 'nonString')).toEqual({ reason: 'nonString', value: '42', itemIndex: 6 });
	});

	it('keeps the last attributes given for a repeated id', () => {
		const collector = new MemberCollector();
		collector.add('u1', { attributes: { plan: 'free' } });
		collector.add('u1', { attributes: { plan: 'pro' } });
		collector.add('u2', { attributes: {} });
		const members = collector.finish();
		expect(members.extras.get('u1')).toEqual({ attributes: { plan: 'pro' } });
		expect(members.extras.has('u2')).toBe(false);
	});
});

describe('planSync', () => {
	const ids = packed(['a', 'b', 'c', 'd', 'e', 'f', 'g']);

	it('chunks Add and Remove by the per-call limit, in one phase', () => {
		const plan = planSync({ mode: 'add', ids, maxIdsPerCall: 3 });
		expect(plan.chunks.map((c) => [c.index, c.action, idsOf(c.ids)])).toEqual([
			[1, 'add', ['a', 'b', 'c']],
			[2, 'add', ['d', 'e', 'f']],
			[3, 'add', ['g']],
		]);
		expect(plan.phases).toHaveLength(1);
		const remove = planSync({ mode: 'remove', ids, maxIdsPerCall: 10 }).chunks;
		expect(remove.map((c) => ({ ...c, ids: idsOf(c.ids) }))).toEqual([{ index: 1, phase: 0, action: 'remove', ids: idsOf(ids) }]);
	});

	it('replaces with the first chunk, then adds the rest in a later phase', () => {
		const plan = planSync({ mode: 'replace', ids, maxIdsPerCall: 3 });
		expect(plan.phases.map((phase) => phase.map((c) => c.action))).toEqual([['replace'], ['add', 'add']]);
		expect(plan.toAdd).toBe(7);
	});

	it('sends only who entered and who left in Sync changes, and nothing when nothing changed', () => {
		const plan = planSync({ mode: 'syncChanges', ids: packed(['y', 'c', 'x', 'b']), previousIds: packed(['z', 'b', 'a', 'c']), maxIdsPerCall: 10 });
		expect(plan.chunks.map((c) => [c.action, idsOf(c.ids)])).toEqual([
			['add', ['y', 'x']],
			['remove', ['z', 'a']],
		]);
		expect([plan.toAdd, plan.toRemove, plan.unchanged]).toEqual([2, 2, 2]);
		expect(planSync({ mode: 'syncChanges', ids: packed(['a']), previousIds: packed(['a']), maxIdsPerCall: 10 }).chunks).toEqual([]);
	});

	it('never plans an empty chunk', () => {
		expect(planSync({ mode: 'add', ids: packed([]), maxIdsPerCall: 3 }).chunks).toEqual([]);
	});
});

describe('diffIds', () => {
	it('finds who entered and who left, each in its own list\'s order', () => {
		expect(plain(diffIds(packed(['e', 'c', 'a']), packed(['f', 'c', 'b', 'd'])))).toEqual({ entered: ['f', 'b', 'd'], left: ['e', 'a'], unchanged: 1 });
		expect(plain(diffIds(packed([]), packed(['a'])))).toEqual({ entered: ['a'], left: [], unchanged: 0 });
		expect(plain(diffIds(packed(['a', 'b']), packed([])))).toEqual({ entered: [], left: ['a', 'b'], unchanged: 0 });
	});

	it('counts a repeat in the last run once', () => {
		expect(plain(diffIds(packed(['a', 'b', 'a', 'b']), packed(['b'])))).toEqual({ entered: [], left: ['a'], unchanged: 1 });
	});

	it('agrees with set arithmetic on a large shuffled change', () => {
		const previous = Array.from({ length: 50_000 }, (_, i) => `user-${(i * 7919) % 50_000}`);
		const current = previous.filter((_, i) => i % 100 !== 0).concat(Array.from({ length: 500 }, (_, i) => `new-${i}`)).reverse();
		const diff = plain(diffIds(packed(previous), packed(current)));
		const before = new Set(previous);
		const after = new Set(current);
		expect(diff.entered).toEqual(current.filter((id) => !before.has(id)));
		expect(diff.left).toEqual(previous.filter((id) => !after.has(id)));
		expect(diff.unchanged).toBe(current.length - diff.entered.length);
	});
});

/** The ids of a state that decodes, as strings; the reason as an error otherwise. */
async function decodedIds(state: unknown): Promise<string[]> {
	const decoded = await decodeState(state);
	if (!decoded.ok) throw new Error(decoded.reason);
	return idsOf(decoded.ids);
}

describe('state codec', () => {
	it('round-trips ids in their order, compactly, and detects tampering', async () => {
		const ids = Array.from({ length: 20000 }, (_, i) => `user-${String((i * 7919) % 20000).padStart(6, '0')}`);
		const state = await encodeState(packed(ids));
		expect(state.count).toBe(20000);
		expect(state.ids.length).toBeLessThan(ids.join('\n').length / 3);
		expect(JSON.stringify(state)).not.toContain('user-000001');
		expect(await decodedIds(JSON.parse(JSON.stringify(state)))).toEqual(ids);
		expect(await decodeState({ ...state, count: 3 })).toMatchObject({ ok: false });
		expect(await decodeState({ ...state, checksum: 'x' })).toMatchObject({ ok: false, reason: expect.stringContaining('checksum') });
		expect(await decodeState({ ...state, ids: 'bm90IGd6aXA=' })).toMatchObject({ ok: false, reason: expect.stringContaining('decompress') });
		expect(await decodeState('garbage')).toMatchObject({ ok: false });
		expect(await decodedIds(await encodeState(packed([])))).toEqual([]);
	});

	it('still reads the sorted states of format 1, and refuses one that is not sorted', async () => {
		const sorted = await encodeState(packed(['a', 'b', 'c']));
		expect(await decodedIds({ ...sorted, v: 1 })).toEqual(['a', 'b', 'c']);
		const unsorted = await encodeState(packed(['b', 'a', 'c']));
		expect(await decodedIds(unsorted)).toEqual(['b', 'a', 'c']);
		expect(await decodeState({ ...unsorted, v: 1 })).toMatchObject({ ok: false, reason: expect.stringContaining('sorted') });
		expect(await decodeState({ ...sorted, v: 3 })).toMatchObject({ ok: false });
	});

	it('files states under a hash of the account key, never the key', () => {
		const key = audienceStateKey('custom-audience', 'SECRET-APP-KEY-123', 'vip');
		expect(key).not.toContain('SECRET');
		expect(key).toMatch(/^custom-audience:[0-9a-f]{16}:vip$/);
		expect(audienceStateKey('custom-audience', 'other-key', 'vip')).not.toBe(key);
		const data: Record<string, unknown> = {};
		const store = staticDataStateStore(data, key);
		expect(store.load()).toBeUndefined();
		store.save({ v: 1, count: 0, checksum: 'c', ids: '', savedAt: 'now' });
		expect(Object.keys(data.batchAudienceSync as object)).toEqual([key]);
		store.clear();
		expect(store.load()).toBeUndefined();
	});
});

describe('runPool', () => {
	it('never runs more than the concurrency at once and stops taking work when asked', async () => {
		let running = 0;
		let peak = 0;
		const seen: number[] = [];
		await runPool([1, 2, 3, 4, 5, 6], 2, async (n) => {
			running++;
			peak = Math.max(peak, running);
			await new Promise((resolve) => setImmediate(resolve));
			seen.push(n);
			running--;
		}, () => seen.includes(3));
		expect(peak).toBe(2);
		expect(seen.length).toBeLessThan(6);
	});
});

describe('syncAudience', () => {
	const ids = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

	it('creates a missing audience, adds ids in chunks and reports counts', async () => {
		const audience = new FakeAudience();
		const { report, error } = await syncAudience(audience, audience.audienceName, collect([...ids(7), '', 'u1']), options(), undefined);
		expect(error).toBeUndefined();
		expect(audience.ids()).toEqual(ids(7).sort());
		expect(report).toMatchObject({
			success: true,
			audienceCreated: true,
			received: 9,
			unique: 7,
			duplicates: 1,
			invalid: 1,
			added: 7,
			removed: 0,
			requests: 5,
			retries: 0,
			chunks: { total: 3, applied: 3, failed: 0, notAttempted: 0 },
			indexingTokens: expect.arrayContaining(['t1', 't2', 't3']),
		});
	});

	it('Replace leaves exactly the input ids; Remove removes them; Remove on a missing audience is a no-op', async () => {
		const audience = new FakeAudience();
		audience.exists = true;
		for (const id of ['old1', 'old2', 'u1']) audience.members.set(id, { id });
		await syncAudience(audience, audience.audienceName, collect(ids(5)), options({ mode: 'replace' }), undefined);
		expect(audience.ids()).toEqual(ids(5).sort());
		expect(audience.calls.filter((c) => c.kind !== 'view').map((c) => c.kind)).toEqual(['replace', 'update']);
		await syncAudience(audience, audience.audienceName, collect(['u1', 'u2', 'nobody']), options({ mode: 'remove' }), undefined);
		expect(audience.ids()).toEqual(['u0', 'u3', 'u4']);
		const missing = new FakeAudience();
		const { report } = await syncAudience(missing, missing.audienceName, collect(['u1']), options({ mode: 'remove' }), undefined);
		expect(missing.exists).toBe(false);
		expect(report.notes[0]).toContain('nothing to remove');
	});

	it('refuses to replace with no valid id and to write into an audience of another type', async () => {
		const audience = new FakeAudience();
		await expect(syncAudience(audience, audience.audienceName, collect(['', null]), options({ mode: 'replace' }), undefined)).rejects.toThrow(SyncInputError);
		const typed = new FakeAudience('fake', 3, 'install_ids');
		typed.exists = true;
		await expect(syncAudience(typed, typed.audienceName, collect(['a']), options({ acceptedTypes: ['custom_ids'] }), undefined)).rejects.toThrow(
			/type "install_ids"/,
		);
		expect(typed.calls.map((c) => c.kind)).toEqual(['view']);
	});

	it('Sync changes: Replace first, then only entered and left, then fallback when the audience changed', async () => {
		const audience = new FakeAudience();
		const data: Record<string, unknown> = {};
		const store = staticDataStateStore(data, 'k');
		const first = await syncAudience(audience, audience.audienceName, collect(['a', 'b', 'c', 'd']), options({ mode: 'syncChanges' }), store);
		expect(first.report).toMatchObject({ effectiveMode: 'replace', stateSaved: true, fallbackReason: expect.stringContaining('did not exist') });
		expect(audience.ids()).toEqual(['a', 'b', 'c', 'd']);

		audience.calls.length = 0;
		const second = await syncAudience(audience, audience.audienceName, collect(['b', 'c', 'd', 'e']), options({ mode: 'syncChanges' }), store);
		expect(second.report).toMatchObject({ effectiveMode: 'syncChanges', fallbackReason: null, added: 1, removed: 1, unchanged: 3 });
		expect(audience.ids()).toEqual(['b', 'c', 'd', 'e']);
		expect(audience.calls.filter((c) => c.kind === 'update').map((c) => c.size)).toEqual([1, 1]);

		// Someone else added an id: the state no longer matches nb_ids.
		audience.members.set('intruder', { id: 'intruder' });
		const third = await syncAudience(audience, audience.audienceName, collect(['b', 'c']), options({ mode: 'syncChanges' }), store);
		expect(third.report.effectiveMode).toBe('replace');
		expect(third.report.fallbackReason).toContain('holds 5 ids but the last sync left 4');
		expect(audience.ids()).toEqual(['b', 'c']);
	});

	it('Sync changes waits for indexing before comparing counts, and falls back when it never ends', async () => {
		const audience = new FakeAudience();
		const store = staticDataStateStore({}, 'k');
		await syncAudience(audience, audience.audienceName, collect(['a']), options({ mode: 'syncChanges' }), store);
		audience.indexingState = 'IN_PROGRESS';
		const { report } = await syncAudience(audience, audience.audienceName, collect(['a', 'b']), options({ mode: 'syncChanges', maxIndexingWaitMs: 20 }), store);
		expect(report.effectiveMode).toBe('replace');
		expect(report.fallbackReason).toContain('still being indexed');
	});

	it('a dry run plans and previews but writes nothing and keeps the state', async () => {
		const audience = new FakeAudience();
		const data: Record<string, unknown> = {};
		const { report } = await syncAudience(audience, audience.audienceName, collect(ids(5)), options({ mode: 'syncChanges', dryRun: true }), staticDataStateStore(data, 'k'));
		expect(audience.calls.map((c) => c.kind)).toEqual(['view']);
		expect(audience.exists).toBe(false);
		expect(data).toEqual({});
		expect(report).toMatchObject({ dryRun: true, audienceCreated: true, toAdd: 5, added: 0, indexingState: 'DRY_RUN' });
		expect(report.preview?.add).toEqual(ids(5).sort());
	});

	it('retries 429 and 5xx, never other 4xx, and counts both', async () => {
		const audience = new FakeAudience();
		audience.exists = true;
		audience.failures = [undefined, httpError(429, '0'), httpError(503)];
		const events: SyncEvent[] = [];
		const { report } = await syncAudience(audience, audience.audienceName, collect(['a', 'b']), options({ concurrency: 1 }), undefined, (e) => events.push(e));
		expect(report).toMatchObject({ success: true, retries: 2, requests: 4, added: 2 });
		expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);

		const refused = new FakeAudience();
		refused.exists = true;
		refused.failures = [undefined, httpError(400)];
		const result = await syncAudience(refused, refused.audienceName, collect(['a']), options(), undefined);
		expect(result.report).toMatchObject({ success: false, retries: 0, requests: 2 });
	});

	it('a permanent failure mid-sync reports applied, failed and unattempted chunks with the unapplied ids', async () => {
		const audience = new FakeAudience('fake', 2);
		audience.exists = true;
		audience.failWritesFrom = { n: 3, error: httpError(500) };
		const store = staticDataStateStore({ batchAudienceSync: { k: { stale: true } } }, 'k');
		const { report, error } = await syncAudience(audience, audience.audienceName, collect(ids(9)), options({ concurrency: 1, mode: 'syncChanges' }), store);
		expect(error).toBeDefined();
		expect(report.success).toBe(false);
		expect(report.chunks).toEqual({ total: 5, applied: 2, failed: 1, notAttempted: 2 });
		expect(report.retries).toBe(3);
		expect(report.unappliedIds).toEqual(ids(9).sort().slice(4));
		expect(audience.ids()).toEqual(ids(9).sort().slice(0, 4));
		expect(store.load()).toBeUndefined();
		expect(describeChunkOutcomes(report.chunkDetails)).toBe('applied: 1-2 (4 ids); failed: 3 (2 ids); not attempted: 4-5 (3 ids)');
	});

	it('waits for indexing with the last token when asked', async () => {
		const audience = new FakeAudience();
		const { report } = await syncAudience(audience, audience.audienceName, collect(['a', 'b']), options({ waitForIndexing: true }), undefined);
		expect(report).toMatchObject({ indexingState: 'APPLIED', nbIdsAfter: 2 });
	});
});
