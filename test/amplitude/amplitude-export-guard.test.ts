/** The pure parts of Get cohort's export bookkeeping: month arithmetic, the budget, Skip If Unchanged, the store. */
import { budgetOf, budgetRefusal, exportsInMonth, monthOf, nextResetOf, withOneMoreExport } from '../../nodes/Amplitude/exports/export-budget';
import { memoryExportStore, projectKeyOf, staticDataExportStore } from '../../nodes/Amplitude/exports/export-records';
import { decideSkip, maxAgeHoursOf } from '../../nodes/Amplitude/exports/skip-unchanged';

const at = (iso: string) => Date.parse(iso);

describe('monthly count', () => {
	it('counts per UTC month and starts again on the first of the next', () => {
		expect(monthOf(at('2026-12-31T23:59:59.999Z'))).toBe('2026-12');
		expect(monthOf(at('2027-01-01T00:00:00Z'))).toBe('2027-01');
		expect(nextResetOf(at('2026-12-15T10:00:00Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
		expect(nextResetOf(at('2027-02-28T23:00:00Z')).toISOString()).toBe('2027-03-01T00:00:00.000Z');
		let count = withOneMoreExport(undefined, at('2026-12-31T23:00:00Z'));
		count = withOneMoreExport(count, at('2026-12-31T23:30:00Z'));
		expect(count).toEqual({ month: '2026-12', count: 2 });
		expect(exportsInMonth(count, at('2027-01-01T00:00:01Z'))).toBe(0);
		expect(withOneMoreExport(count, at('2027-01-01T00:00:01Z'))).toEqual({ month: '2027-01', count: 1 });
	});

	it('refuses at the budget, not before, with the count, the budget, the reset date and the advice', () => {
		const now = at('2026-12-20T08:00:00Z');
		expect(budgetRefusal(399, 400, now)).toBeUndefined();
		expect(budgetRefusal(10_000, undefined, now)).toBeUndefined();
		const refusal = budgetRefusal(400, 400, now)!;
		expect(refusal).toContain('started 400 exports of this Amplitude project in 2026-12 (UTC), and the budget is 400');
		expect(refusal).toContain('starts again on 2027-01-01 (UTC)');
		expect(refusal).toMatch(/Skip If Unchanged.*less often.*Amplitude Trigger/);
		expect([budgetOf(0), budgetOf(''), budgetOf(undefined), budgetOf(0.5), budgetOf(2.7), budgetOf('450')]).toEqual([
			undefined, undefined, undefined, undefined, 2, 450,
		]);
		expect([budgetOf(-3), budgetOf(Number.NaN), budgetOf('lots'), budgetOf({})]).toEqual([null, null, null, null]);
	});
});

describe('Skip If Unchanged decision', () => {
	const record = { lastComputed: '2026-12-01T06:00:00.000Z', size: 25, exportedAt: '2026-12-01T06:10:00.000Z' };
	const same = { lastComputed: '2026-12-01T06:00:00.000Z', size: 25 };

	it('skips only an unchanged cohort whose last export is younger than the maximum age', () => {
		expect(decideSkip(record, same, at('2026-12-02T06:09:59Z'), 24)).toMatchObject({ skip: true, reason: expect.stringContaining('2026-12-02T06:10:00.000Z') });
		expect(decideSkip(record, same, at('2026-12-02T06:10:00Z'), 24)).toMatchObject({ skip: false, reason: expect.stringContaining('maximum age') });
		expect(decideSkip(record, { ...same, lastComputed: '2026-12-01T07:00:00.000Z' }, at('2026-12-01T07:00:00Z'), 24).skip).toBe(false);
		expect(decideSkip(record, { ...same, size: 26 }, at('2026-12-01T07:00:00Z'), 24).skip).toBe(false);
		expect(decideSkip(undefined, same, at('2026-12-01T07:00:00Z'), 24).skip).toBe(false);
		expect(decideSkip(record, { ...same, lastComputed: null }, at('2026-12-01T07:00:00Z'), 24).skip).toBe(false);
		// A record from the future (clock change) never blocks an export; 0 hours: always export.
		expect(decideSkip(record, same, at('2026-12-01T06:00:00Z'), 24).skip).toBe(false);
		expect(decideSkip(record, same, at('2026-12-01T06:10:01Z'), 0).skip).toBe(false);
		expect([maxAgeHoursOf(undefined), maxAgeHoursOf(''), maxAgeHoursOf(6), maxAgeHoursOf('0.5'), maxAgeHoursOf(0)]).toEqual([24, 24, 6, 0.5, 0]);
		expect([maxAgeHoursOf(-1), maxAgeHoursOf('x'), maxAgeHoursOf(Number.POSITIVE_INFINITY)]).toEqual([null, null, null]);
	});
});

describe('export record store', () => {
	it('keeps counts per project and records per project and cohort, under a hash, tolerating garbage', () => {
		const store = memoryExportStore();
		const project = projectKeyOf('secret-api-key');
		expect(project).toMatch(/^[0-9a-f]{16}$/);
		expect(projectKeyOf('another-key')).not.toBe(project);
		store.saveMonthlyCount(project, { month: '2026-12', count: 3 });
		store.saveCohortRecord(project, 'abc', { lastComputed: null, size: 1, exportedAt: '2026-12-01T00:00:00.000Z' });
		expect(store.monthlyCount(project)).toEqual({ month: '2026-12', count: 3 });
		expect(store.monthlyCount(projectKeyOf('another-key'))).toBeUndefined();
		expect(store.cohortRecord(project, 'abc')?.size).toBe(1);
		expect(store.cohortRecord(project, 'def')).toBeUndefined();
		expect(JSON.stringify([store.global, store.node])).not.toContain('secret-api-key');

		const garbage = staticDataExportStore(
			{ amplitudeExportCounts: { [project]: { month: 5, count: 'x' } } },
			{ amplitudeCohortExports: { [`${project}:abc`]: { size: 'big' } } },
		);
		expect(garbage.monthlyCount(project)).toBeUndefined();
		expect(garbage.cohortRecord(project, 'abc')).toBeUndefined();
	});

	it('writes by replacing a top-level entry, which is what n8n notices', () => {
		const globalData: Record<string, unknown> = {};
		const store = staticDataExportStore(globalData, {});
		store.saveMonthlyCount('p', { month: '2026-12', count: 1 });
		const first = globalData.amplitudeExportCounts;
		store.saveMonthlyCount('p', { month: '2026-12', count: 2 });
		expect(globalData.amplitudeExportCounts).not.toBe(first);
	});
});
