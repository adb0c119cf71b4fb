/** The Amplitude Trigger's decisions as pure functions: which watched cohorts a poll emits, and which cohorts it watches. */
import { detectChanges, emptyPollState, readPollState, type PollSettings } from '../../nodes/Amplitude/trigger/cohort-changes';
import { selectWatched } from '../../nodes/Amplitude/trigger/watched-cohorts';
import type { AmplitudeCohort } from '../../nodes/Amplitude/transport/cohorts';

const HOUR = 3600_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const production: PollSettings = { manual: false, emitOnFirstPoll: false, emitAtLeastEveryHours: 24 };
const cohort = (id: string, lastComputedSeconds: number, size = 10, extra: Partial<AmplitudeCohort> = {}): AmplitudeCohort => ({
	id,
	name: `Cohort ${id}`,
	size,
	lastComputed: lastComputedSeconds,
	...extra,
});

describe('detectChanges', () => {
	it('records silently first, then emits changes, new cohorts and stale ones, and forgets unwatched ones', () => {
		const first = detectChanges([cohort('a', 1000), cohort('b', 1000)], emptyPollState(), T0, production);
		expect(first.changes).toEqual([]);
		expect(first.state.initialized).toBe(true);

		const second = detectChanges([cohort('a', 2000), cohort('b', 1000, 11), cohort('c', 1000)], first.state, T0 + HOUR, production);
		expect(second.changes.map((change) => [change.cohortId, change.reason, change.previousSize, change.previousLastComputed])).toEqual([
			['a', 'changed', 10, '1970-01-01T00:16:40.000Z'],
			['b', 'changed', 10, '1970-01-01T00:16:40.000Z'],
			['c', 'new', null, null],
		]);
		expect(second.changes[0].lastComputed).toBe('1970-01-01T00:33:20.000Z');

		// b was emitted at T0 + 1 h, a too: 24 h after that they are emitted again, unchanged; d's absence drops nothing else.
		const third = detectChanges([cohort('a', 2000), cohort('b', 1000, 11)], second.state, T0 + 25 * HOUR - 1, production);
		expect(third.changes).toEqual([]);
		const fourth = detectChanges([cohort('a', 2000), cohort('b', 1000, 11)], third.state, T0 + 25 * HOUR, production);
		expect(fourth.changes.map((change) => [change.cohortId, change.reason])).toEqual([
			['a', 'maxAge'],
			['b', 'maxAge'],
		]);
		expect(Object.keys(fourth.state.cohorts)).toEqual(['a', 'b']);
		// c was dropped from the watch list at the third poll: watched again, it is new.
		expect(detectChanges([cohort('c', 1000)], fourth.state, T0 + 26 * HOUR, production).changes[0].reason).toBe('new');
	});

	it('reads seconds and milliseconds alike: the same instant in the other unit is no change', () => {
		const first = detectChanges([cohort('a', 1_700_000_000)], emptyPollState(), T0, production);
		expect(detectChanges([cohort('a', 1_700_000_000_000)], first.state, T0 + HOUR, production).changes).toEqual([]);
	});

	it('emits on the first poll when asked, never emits unchanged cohorts with 0 hours, and a manual run changes nothing', () => {
		expect(detectChanges([cohort('a', 1)], emptyPollState(), T0, { ...production, emitOnFirstPoll: true }).changes[0].reason).toBe('firstPoll');
		const recorded = detectChanges([cohort('a', 1)], emptyPollState(), T0, production).state;
		expect(detectChanges([cohort('a', 1)], recorded, T0 + 1000 * HOUR, { ...production, emitAtLeastEveryHours: 0 }).changes).toEqual([]);
		const manual = detectChanges([cohort('a', 2)], recorded, T0, { ...production, manual: true });
		expect(manual.changes.map((change) => [change.reason, change.previousLastComputed])).toEqual([['manual', '1970-01-01T00:00:01.000Z']]);
		expect(manual.state).toBe(recorded);
	});

	it('treats a malformed stored state as none', () => {
		expect(readPollState('x')).toEqual(emptyPollState());
		expect(readPollState({ initialized: true, cohorts: { a: { size: 'x' }, b: { size: 1, lastComputed: null, emittedAt: '2026-12-01T00:00:00Z' } } })).toEqual({
			initialized: true,
			cohorts: { b: { size: 1, lastComputed: null, emittedAt: '2026-12-01T00:00:00Z' } },
		});
	});
});

describe('selectWatched', () => {
	const listing = [cohort('a', 1, 1, { name: 'Sync: trials' }), cohort('b', 1, 1, { name: 'sync: old', archived: true }), cohort('c', 1, 1, { name: 'Other' })];

	it('keeps the picked ones in the picked order, once each, and names the missing ones', () => {
		expect(selectWatched(listing, { mode: 'selected', cohortIds: ['c', ' a ', 'c', 'zz', ''], nameContains: '', includeArchived: false })).toEqual({
			cohorts: [listing[2], listing[0]],
			missingIds: ['zz'],
		});
	});

	it('matches names without case, archived ones only when asked', () => {
		const byName = (includeArchived: boolean) =>
			selectWatched(listing, { mode: 'nameContains', cohortIds: [], nameContains: 'SYNC:', includeArchived }).cohorts.map((found) => found.id);
		expect(byName(false)).toEqual(['a']);
		expect(byName(true)).toEqual(['a', 'b']);
	});
});
