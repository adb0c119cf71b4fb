/**
 * A simulated month of a typical setup against the Amplitude sandbox, with time compressed: 5 cohorts
 * checked every 15 minutes for December 2026 (2,976 checks each). The sandbox recomputes the cohorts on
 * their own schedules (as Amplitude does for cohorts with syncs, or when someone opens one); every check
 * reads the sandbox's free listing over HTTP and takes Get cohort's decisions (export-plan.ts) and the
 * Amplitude Trigger's (cohort-changes.ts) with the simulated clock; each decided export is started on the
 * sandbox, which counts it. The node reads the real clock, so its own path is covered by the workflow
 * tests (amplitude-export-guard, amplitude-trigger); this measures what the same decisions cost in a month.
 * The figures are printed (README, "Export budget"); the assertions check the guarantees, not the figures.
 */
import { listedState } from '../../nodes/Amplitude/exports/export-guard';
import { countExportStarted, planExport, recordExportCompleted, type ExportPlanSettings } from '../../nodes/Amplitude/exports/export-plan';
import { memoryExportStore, projectKeyOf } from '../../nodes/Amplitude/exports/export-records';
import { detectChanges, emptyPollState, type PollState } from '../../nodes/Amplitude/trigger/cohort-changes';
import type { AmplitudeCohort } from '../../nodes/Amplitude/transport/cohorts';
import { startAmplitudeSandbox, type AmplitudeSandbox } from '../../sandbox/amplitude';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTH_START = Date.UTC(2026, 11, 1);
const MONTH_END = Date.UTC(2027, 0, 1);
const CHECK_EVERY = 15 * MINUTE;

/** When each cohort is recomputed: daily ones at their hour (7 minutes past), one weekly, one never. */
const COHORTS = [
	{ id: 'cart01', name: 'Abandoned carts', size: 400, churn: 0.2, recomputedAt: (t: number) => (t - MONTH_START) % DAY === 6 * HOUR + 7 * MINUTE },
	{ id: 'inact2', name: 'Inactive 14 days', size: 900, churn: 0.05, recomputedAt: (t: number) => (t - MONTH_START) % DAY === 2 * HOUR + 7 * MINUTE },
	{ id: 'trial3', name: 'Trials ending', size: 150, churn: 0.3, recomputedAt: (t: number) => (t - MONTH_START) % DAY === 18 * HOUR + 7 * MINUTE },
	// Tuesdays 09:07 (December 1, 2026 is a Tuesday).
	{ id: 'feat04', name: 'Feature feedback', size: 300, churn: 0.1, recomputedAt: (t: number) => (t - MONTH_START) % (7 * DAY) === 9 * HOUR + 7 * MINUTE },
	{ id: 'vip005', name: 'VIP (hand-made, never recomputed)', size: 50, churn: 0, recomputedAt: () => false },
];

interface Scenario {
	name: string;
	/** Decides and starts the exports of one check; returns the cohorts exported. */
	check(listing: AmplitudeCohort[], now: number): Promise<string[]>;
	exports: Array<{ cohortId: string; at: number }>;
	refusedAt?: number;
}

let sb: AmplitudeSandbox;
beforeAll(async () => {
	sb = await startAmplitudeSandbox({ cohorts: COHORTS.map(({ recomputedAt: _, ...spec }) => ({ ...spec, lastComputed: MONTH_START - DAY })) });
});
afterAll(async () => await sb.close());

const authorization = () => `Basic ${Buffer.from(`${sb.apiKey}:${sb.secretKey}`).toString('base64')}`;

async function listing(): Promise<AmplitudeCohort[]> {
	const response = await fetch(`${sb.url}/api/3/cohorts`, { headers: { authorization: authorization() } });
	return ((await response.json()) as { cohorts: AmplitudeCohort[] }).cohorts;
}

async function startExport(cohortId: string): Promise<void> {
	const response = await fetch(`${sb.url}/api/5/cohorts/request/${cohortId}`, { headers: { authorization: authorization() } });
	if (response.status !== 202) throw new Error(`export of ${cohortId}: HTTP ${response.status}`);
	await response.arrayBuffer();
}

/** A Schedule Trigger → Get cohort per cohort, with these options (a production run every check). */
function scheduled(name: string, settings: Omit<ExportPlanSettings, 'production' | 'resuming'>): Scenario {
	const store = memoryExportStore();
	const project = projectKeyOf(sb.apiKey);
	const scenario: Scenario = {
		name,
		exports: [],
		async check(cohorts, now) {
			const exported: string[] = [];
			for (const cohort of cohorts) {
				const listed = listedState(cohort);
				const plan = planExport(store, project, cohort.id, listed, now, { ...settings, production: true, resuming: false });
				if (plan.action === 'refuse') {
					scenario.refusedAt ??= now;
					continue;
				}
				if (plan.action === 'skip') continue;
				await startExport(cohort.id);
				countExportStarted(store, project, now);
				recordExportCompleted(store, project, cohort.id, listed, now);
				exported.push(cohort.id);
			}
			return exported;
		},
	};
	return scenario;
}

/** Amplitude Trigger (every 15 minutes, Emit At Least Every 24 h, emit all on first poll) → Get cohort by ID. */
function triggered(): Scenario {
	let state: PollState = emptyPollState();
	const scenario: Scenario = {
		name: 'Amplitude Trigger → Get cohort',
		exports: [],
		async check(cohorts, now) {
			const outcome = detectChanges(cohorts, state, now, { manual: false, emitOnFirstPoll: true, emitAtLeastEveryHours: 24 });
			state = outcome.state;
			for (const change of outcome.changes) await startExport(change.cohortId);
			return outcome.changes.map((change) => change.cohortId);
		},
	};
	return scenario;
}

it('a month of 5 cohorts checked every 15 minutes stays within 500 exports with Skip If Unchanged or the trigger', async () => {
	const scenarios = [
		scheduled('Schedule every 15 min, Skip If Unchanged (max age 24 h)', { skipIfUnchanged: true, maxAgeHours: 24, budget: undefined }),
		triggered(),
		scheduled('Schedule every 15 min, no skip, Monthly Export Budget 500', { skipIfUnchanged: false, maxAgeHours: 24, budget: 500 }),
	];
	const recomputes: Array<{ cohortId: string; at: number }> = [];
	let checks = 0;
	const exportsBefore = sb.exportsStarted;

	for (let now = MONTH_START; now < MONTH_END; now += CHECK_EVERY) {
		// Recomputations that happened since the previous check, at their own time.
		for (let t = now - CHECK_EVERY + MINUTE; t <= now; t += MINUTE) {
			for (const cohort of COHORTS.filter((candidate) => t > MONTH_START && candidate.recomputedAt(t))) {
				sb.recompute({ ids: [cohort.id], at: t });
				recomputes.push({ cohortId: cohort.id, at: t });
			}
		}
		const cohorts = await listing();
		checks++;
		for (const scenario of scenarios) {
			for (const cohortId of await scenario.check(cohorts, now)) scenario.exports.push({ cohortId, at: now });
		}
	}

	const [skip, trigger, budget] = scenarios;
	const started = scenarios.reduce((sum, scenario) => sum + scenario.exports.length, 0);
	expect(sb.exportsStarted - exportsBefore).toBe(started);
	expect(checks).toBe(31 * 96);

	for (const scenario of [skip, trigger]) {
		expect(scenario.exports.length).toBeLessThanOrEqual(500);
		// Every recomputation is exported at the next check, and no cohort waits more than a day and a check.
		for (const recompute of recomputes) {
			expect(scenario.exports.some((done) => done.cohortId === recompute.cohortId && done.at >= recompute.at && done.at < recompute.at + CHECK_EVERY)).toBe(true);
		}
		for (const cohort of COHORTS) {
			const times = [MONTH_START, ...scenario.exports.filter((done) => done.cohortId === cohort.id).map((done) => done.at), MONTH_END];
			const longestGap = Math.max(...times.slice(1).map((time, index) => time - times[index]));
			expect(longestGap).toBeLessThanOrEqual(DAY + CHECK_EVERY);
		}
	}
	expect(budget.exports.length).toBe(500);
	expect(budget.refusedAt).toBe(budget.exports[499].at + CHECK_EVERY);

	const perCohort = (scenario: Scenario) => COHORTS.map((cohort) => scenario.exports.filter((done) => done.cohortId === cohort.id).length).join(' / ');
	const lines = [
		`Simulated ${new Date(MONTH_START).toISOString().slice(0, 7)}: ${COHORTS.length} cohorts, a check every 15 minutes (${checks} checks, ${checks * COHORTS.length} cohort checks), ${recomputes.length} recomputations in the sandbox.`,
		`Without any of this: ${checks * COHORTS.length} exports.`,
		...[skip, trigger].map((scenario) => `${scenario.name}: ${scenario.exports.length} exports (per cohort ${perCohort(scenario)}).`),
		`${budget.name}: 500 exports, then refused from ${new Date(budget.refusedAt!).toISOString()}.`,
	];
	process.stdout.write(`\n${lines.join('\n')}\n`);
}, 180_000);
