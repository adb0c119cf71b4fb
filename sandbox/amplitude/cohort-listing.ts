/** The COHORT object of endpoint 1, with every field the contract lists (many null, as in Amplitude's sample). */
import type { AmplitudeKnobs, CohortSpec } from './config';
import type { StoredCohort } from './cohorts';
import { seedOf } from './members';

const DAY_MS = 24 * 3600 * 1000;
/** 2024-06-01T00:00:00Z: generated cohorts get fixed, seed-derived times so listings are reproducible. */
const GENERATED_EPOCH_MS = 1_717_200_000_000;

/** The contract's own rule: above 1e11 it is milliseconds, otherwise seconds. */
function toMilliseconds(epoch: number): number {
	return epoch > 1e11 ? epoch : epoch * 1000;
}

function generatedTimes(spec: CohortSpec): { createdAt: number; lastMod: number; lastComputed: number } {
	const seed = seedOf(spec);
	const createdAt = GENERATED_EPOCH_MS - 90 * DAY_MS + (seed % 86_400) * 1000;
	const lastMod = createdAt + DAY_MS + (seed % 3600) * 1000;
	const lastComputed =
		spec.lastComputed !== undefined
			? toMilliseconds(spec.lastComputed)
			: GENERATED_EPOCH_MS + (seed % (30 * 86_400)) * 1000 + (spec.revision ?? 0) * 3600 * 1000;
	return { createdAt, lastMod, lastComputed };
}

function definition(countGroup: string, clauses: unknown[]): Record<string, unknown> {
	return {
		version: 3,
		countGroup: { name: countGroup, is_computed: false },
		cohortType: 'UNIQUES',
		andClauses: clauses,
		referenceFrameTimeParams: {},
	};
}

const ACTIVE_LAST_30_DAYS = [
	{
		negated: false,
		orClauses: [
			{
				type: 'event',
				time_type: 'rolling',
				time_value: 30,
				offset: 0,
				interval: 1,
				type_value: '_active',
				operator: '>=',
				operator_value: 1,
				group_by: [],
				metric: null,
			},
		],
	},
];

export function cohortJson(
	cohort: StoredCohort,
	appId: number,
	knobs: Pick<AmplitudeKnobs, 'timestampUnit'>,
	includeSyncInfo: boolean,
): Record<string, unknown> {
	const stamp = (ms: number) => (knobs.timestampUnit === 'milliseconds' ? ms : Math.floor(ms / 1000));
	const common = {
		appId,
		hidden: false,
		metadata: null,
		view_count: null,
		popularity: null,
		last_viewed: null,
		chart_id: null,
		edit_id: null,
		is_predictive: false,
		is_official_content: false,
		location_id: null,
		shortcut_ids: [],
		viewers: [],
	};
	let fields: Record<string, unknown>;
	let syncMetadata: unknown[] = [];
	if (cohort.kind === 'generated') {
		const { spec } = cohort;
		const times = generatedTimes(spec);
		fields = {
			archived: spec.archived ?? false,
			definition: definition('User', ACTIVE_LAST_30_DAYS),
			description: spec.description === undefined ? null : spec.description,
			finished: spec.finished ?? true,
			id: spec.id,
			name: spec.name,
			owners: spec.owners ?? ['analytics@example.com'],
			published: spec.published ?? true,
			size: Math.max(0, Math.floor(spec.size)),
			type: spec.type ?? 'redshift',
			lastMod: stamp(times.lastMod),
			createdAt: stamp(times.createdAt),
			lastComputed: stamp(times.lastComputed),
		};
		syncMetadata = spec.syncMetadata ?? [];
	} else {
		const { state } = cohort;
		fields = {
			archived: false,
			definition: definition(state.countGroup, []),
			description: null,
			finished: true,
			id: state.id,
			name: state.name,
			owners: [state.owner],
			published: state.published,
			size: state.members.size,
			type: 'static',
			lastMod: stamp(state.lastMod),
			createdAt: stamp(state.createdAt),
			lastComputed: stamp(state.lastMod),
		};
	}
	const json: Record<string, unknown> = { ...common, ...fields };
	if (includeSyncInfo) json.syncMetadata = structuredClone(syncMetadata);
	return json;
}
