/** The rules that decide whether Sync changes may trust its state, and the guards around a run. Pure, no HTTP. */
import { lockAudience } from '../../nodes/Batch/sync/audience-lock';

/** How the node uses the lock: wait for the audience's turn, run, release whatever happens. */
async function withAudienceLock<T>(key: string, run: () => Promise<T>): Promise<T> {
	const release = await lockAudience(key);
	try {
		return await run();
	} finally {
		release();
	}
}
import { MemberCollector } from '../../nodes/Batch/sync/member-collector';
import { planSync } from '../../nodes/Batch/sync/plan';
import { PackedIds } from '../../nodes/Batch/sync/packed-ids';
import { estimateRemovals, removalLimitBreach } from '../../nodes/Batch/sync/removal-limit';
import { checkAudienceUnchanged, checkStateBookkeeping } from '../../nodes/Batch/sync/state-check';
import { encodeState, readStateMeta } from '../../nodes/Batch/sync/state-codec';
import { MAX_TOTAL_STATE_CHARS, pruneUnusedStates, stateCapBreach } from '../../nodes/Batch/sync/state-retention';
import { staticDataStateStore } from '../../nodes/Batch/sync/state-store';
import { NoValidIdsError, syncAudience, type SyncOptions } from '../../nodes/Batch/sync/sync-audience';
import { FakeAudience, httpError } from './sync-fake-audience';

const now = new Date('2026-12-01T12:00:00Z');
const snapshot = { nbIds: 4, updated: '2026-12-01T11:00:00Z', confirmed: true };

describe('checkStateBookkeeping', () => {
	it('distrusts a state without snapshot, an unconfirmed last run, and a due full resync', () => {
		expect(checkStateBookkeeping({}, now, 168)).toMatchObject({ trusted: false, check: 'stateWithoutSnapshot' });
		expect(checkStateBookkeeping({ audience: { ...snapshot, confirmed: false } }, now, 168)).toMatchObject({
			trusted: false,
			check: 'unconfirmedLastRun',
		});
		const lastFull = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3_600_000).toISOString();
		expect(checkStateBookkeeping({ audience: snapshot, fullSyncAt: lastFull(167) }, now, 168)).toEqual({ trusted: true });
		expect(checkStateBookkeeping({ audience: snapshot, fullSyncAt: lastFull(168) }, now, 168)).toMatchObject({ check: 'fullResyncDue' });
		expect(checkStateBookkeeping({ audience: snapshot }, now, 168)).toMatchObject({ check: 'fullResyncDue' });
		expect(checkStateBookkeeping({ audience: snapshot, fullSyncAt: lastFull(10_000) }, now, 0)).toEqual({ trusted: true });
	});
});

describe('checkAudienceUnchanged', () => {
	it('trusts only an audience with the size and last change the last run saw', () => {
		const view = { exists: true, nbIds: 4, updated: snapshot.updated };
		expect(checkAudienceUnchanged(snapshot, view)).toEqual({ trusted: true });
		expect(checkAudienceUnchanged(snapshot, { ...view, nbIds: 5 })).toMatchObject({ check: 'sizeChanged' });
		expect(checkAudienceUnchanged(snapshot, { ...view, updated: '2026-12-01T11:00:01Z' })).toMatchObject({ check: 'updatedChanged' });
		// An API that answers no `updated` leaves the size as the only check.
		expect(checkAudienceUnchanged({ ...snapshot, updated: null }, { exists: true, nbIds: 4 })).toEqual({ trusted: true });
	});
});

describe('state bookkeeping in the codec', () => {
	it('round-trips the snapshot and dates, and drops malformed ones', async () => {
		const state = await encodeState(PackedIds.of(['a']), now, { audience: snapshot, fullSyncAt: now.toISOString(), usedAt: now.toISOString() });
		expect(readStateMeta(JSON.parse(JSON.stringify(state)))).toEqual({ audience: snapshot, fullSyncAt: now.toISOString(), usedAt: now.toISOString() });
		expect(readStateMeta({ ...state, audience: { nbIds: 'x' }, fullSyncAt: 3 })).toEqual({ usedAt: now.toISOString() });
	});
});

describe('removal estimates and the limit', () => {
	it('counts exact removals for Sync changes and a known Replace, a lower bound otherwise', () => {
		const previous = PackedIds.of(['a', 'b', 'c', 'd']);
		const sync = planSync({ mode: 'syncChanges', ids: PackedIds.of(['a', 'x']), previousIds: previous, maxIdsPerCall: 10 });
		expect(estimateRemovals(sync, 2, 4, previous, undefined)).toEqual({ count: 3, atLeast: false, of: 4, share: 0.75 });
		const replace = planSync({ mode: 'replace', ids: PackedIds.of(['a', 'x']), maxIdsPerCall: 10 });
		expect(estimateRemovals(replace, 2, 4, previous, 1)).toEqual({ count: 3, atLeast: false, of: 4, share: 0.75 });
		expect(estimateRemovals(replace, 2, 10, undefined, undefined)).toEqual({ count: 8, atLeast: true, of: 10, share: 0.8 });
		expect(estimateRemovals(planSync({ mode: 'add', ids: PackedIds.of(['a']), maxIdsPerCall: 10 }), 1, 0, undefined, undefined).share).toBe(0);
	});

	it('breaches only above the share, and 0% refuses any removal', () => {
		const estimate = { count: 3, atLeast: false, of: 10, share: 0.3 };
		expect(removalLimitBreach('vip', estimate, undefined)).toBeUndefined();
		expect(removalLimitBreach('vip', estimate, 30)).toBeUndefined();
		expect(removalLimitBreach('vip', estimate, 29)).toContain('would remove 3 of the 10 members of audience "vip" (30%)');
		expect(removalLimitBreach('vip', { ...estimate, count: 1, share: 0.1 }, 0)).toContain('more than Maximum Share Removed Per Run (0%)');
		expect(removalLimitBreach('vip', { ...estimate, count: 0, share: 0 }, 0)).toBeUndefined();
	});
});

describe('state retention', () => {
	it('prunes states unused for 30 days, never the one in use', () => {
		const old = new Date(now.getTime() - 31 * 86_400_000).toISOString();
		const entries: Record<string, unknown> = {
			'f:h:gone': { savedAt: old, usedAt: old, ids: '' },
			'f:h:used': { savedAt: old, usedAt: now.toISOString(), ids: '' },
			'f:h:mine': { savedAt: old, ids: '' },
			'f:h:junk': 'not a state',
		};
		expect(pruneUnusedStates(entries, 'f:h:mine', now).sort()).toEqual(['f:h:gone', 'f:h:junk']);
		expect(Object.keys(entries).sort()).toEqual(['f:h:mine', 'f:h:used']);
	});

	it('refuses to grow the states past the cap, naming each audience', () => {
		const half = 'x'.repeat(MAX_TOTAL_STATE_CHARS / 2);
		expect(stateCapBreach({ 'f:h:a': { ids: half }, 'f:h:b': { ids: half } })).toBeUndefined();
		const message = stateCapBreach({ 'f:h:a': { ids: half }, 'f:h:b': { ids: `${half}x` } });
		expect(message).toContain('take 64 MB, over the 64 MB');
		expect(message).toContain('a: 32 MB, b: 32 MB');
	});
});

describe('lockAudience', () => {
	it('runs the syncs of one audience one after the other, and of different audiences together', async () => {
		const events: string[] = [];
		const step = async (name: string) => {
			events.push(`${name} start`);
			await new Promise((resolve) => setTimeout(resolve, 20));
			events.push(`${name} end`);
		};
		await Promise.all([
			withAudienceLock('k', async () => await step('a1')),
			withAudienceLock('k', async () => await step('a2')),
			withAudienceLock('other', async () => await step('b')),
		]);
		expect(events.indexOf('a2 start')).toBeGreaterThan(events.indexOf('a1 end'));
		expect(events.indexOf('b start')).toBeLessThan(events.indexOf('a1 end'));
		// A failing run releases the lock.
		await expect(withAudienceLock('k', async () => await Promise.reject(new Error('boom')))).rejects.toThrow('boom');
		await expect(withAudienceLock('k', async () => await Promise.resolve('next'))).resolves.toBe('next');
	});
});

describe('syncAudience guards', () => {
	const options = (overrides: Partial<SyncOptions> = {}): SyncOptions => ({
		mode: 'syncChanges',
		dryRun: false,
		createIfMissing: true,
		concurrency: 1,
		retryPolicy: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 5 },
		waitForIndexing: false,
		maxIndexingWaitMs: 50,
		indexingPollMs: 1,
		...overrides,
	});
	const collect = (ids: unknown[]) => {
		const collector = new MemberCollector();
		ids.forEach((id, itemIndex) => collector.add(id, undefined, { itemIndex }));
		return collector.finish();
	};

	it('forgets the state when a call after the writes fails (Wait for Indexing), so the next run replaces', async () => {
		const audience = new FakeAudience('vip', 10);
		const data: Record<string, unknown> = {};
		const store = staticDataStateStore(data, 'k');
		await syncAudience(audience, audience.audienceName, collect(['a', 'b']), options(), store);
		expect(store.load()).toBeDefined();
		// Next run: the view before the writes answers, the update is applied, the view after it fails.
		audience.failures = [undefined, undefined, httpError(401)];
		await expect(syncAudience(audience, audience.audienceName, collect(['a', 'b', 'c']), options({ waitForIndexing: true }), store)).rejects.toThrow('HTTP 401');
		expect(audience.ids()).toEqual(['a', 'b', 'c']);
		expect(store.load()).toBeUndefined();
	});

	it('stops waiting for indexing as soon as the execution is stopped', async () => {
		const audience = new FakeAudience('vip', 10);
		audience.indexingState = 'IN_PROGRESS';
		const stop = new AbortController();
		const started = Date.now();
		setTimeout(() => stop.abort(), 50);
		const policy = { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 5, signal: stop.signal };
		await expect(
			syncAudience(audience, audience.audienceName, collect(['a']), options({ retryPolicy: policy, maxIndexingWaitMs: 60_000, indexingPollMs: 10_000 }), undefined),
		).rejects.toThrow();
		expect(Date.now() - started).toBeLessThan(2000);
	});

	it('refuses an input without one valid id before any call that writes', async () => {
		const audience = new FakeAudience('vip', 10);
		const data: Record<string, unknown> = {};
		const store = staticDataStateStore(data, 'k');
		await syncAudience(audience, audience.audienceName, collect(['a', 'b']), options(), store);
		const before = audience.calls.length;
		await expect(syncAudience(audience, audience.audienceName, collect(['', null]), options(), store)).rejects.toBeInstanceOf(NoValidIdsError);
		expect(audience.calls.slice(before).map((call) => call.kind)).toEqual(['view']);
		expect(audience.ids()).toEqual(['a', 'b']);
	});
});
