/**
 * Every cohort the sandbox knows, generated (from a CohortSpec) or static (uploaded id lists),
 * in the order they were added. An export works on a snapshot taken when it starts.
 */
import type { CohortSpec } from './config';
import { GeneratedMembers, type CohortMember } from './members';
import { STATIC_PROPERTY_NAMES, staticMember, type StaticCohortState } from './static-cohorts';

export interface CohortSnapshot {
	cohortId: string;
	size: number;
	propertyNames: string[];
	/** `withProperties: false` may leave `properties` empty (cheaper for exports without props). */
	members(withProperties?: boolean): Iterator<CohortMember>;
	/** Equal for two snapshots with the same members (a generated cohort's spec); undefined: not known. */
	contentKey?: string;
}

export type StoredCohort = { kind: 'generated'; spec: CohortSpec } | { kind: 'static'; state: StaticCohortState };

export class CohortStore {
	readonly staticCohorts = new Map<string, StaticCohortState>();

	private readonly specs = new Map<string, CohortSpec>();

	/** Insertion order across both kinds. */
	private readonly order = new Set<string>();

	setCohort(spec: CohortSpec): void {
		this.staticCohorts.delete(spec.id);
		this.specs.set(spec.id, structuredClone(spec));
		this.order.add(spec.id);
	}

	setStatic(state: StaticCohortState): void {
		this.specs.delete(state.id);
		this.staticCohorts.set(state.id, state);
		this.order.add(state.id);
	}

	/**
	 * Amplitude recomputed the cohort at `at` (epoch ms): lastComputed moves there, and a cohort with churn
	 * moves to its next revision (some members replaced). Optionally a new size. Static cohorts get a new lastMod.
	 * The list shows whole seconds: a recompute lands at least a second after the previous one, so two
	 * recomputes within one second still read as two (as Amplitude's, minutes apart, do).
	 */
	recompute(id: string, at: number, size?: number): boolean {
		const spec = this.specs.get(id);
		if (spec) {
			const previous = spec.lastComputed === undefined ? 0 : spec.lastComputed > 1e11 ? spec.lastComputed : spec.lastComputed * 1000;
			spec.lastComputed = Math.max(at, previous + 1000);
			if ((spec.churn ?? 0) > 0) spec.revision = (spec.revision ?? 0) + 1;
			if (size !== undefined) spec.size = size;
			return true;
		}
		const state = this.staticCohorts.get(id);
		if (!state) return false;
		state.lastMod = at;
		return true;
	}

	ids(): string[] {
		return this.all().map((cohort) => (cohort.kind === 'generated' ? cohort.spec.id : cohort.state.id));
	}

	removeCohort(id: string): void {
		this.specs.delete(id);
		this.staticCohorts.delete(id);
		this.order.delete(id);
	}

	get(id: string): StoredCohort | undefined {
		const spec = this.specs.get(id);
		if (spec) return { kind: 'generated', spec };
		const state = this.staticCohorts.get(id);
		return state ? { kind: 'static', state } : undefined;
	}

	all(): StoredCohort[] {
		const found: StoredCohort[] = [];
		for (const id of this.order) {
			const cohort = this.get(id);
			if (cohort) found.push(cohort);
			else this.order.delete(id);
		}
		return found;
	}

	/** Membership as it is now, detached from later edits. */
	snapshot(id: string): CohortSnapshot | undefined {
		const cohort = this.get(id);
		if (!cohort) return undefined;
		if (cohort.kind === 'generated') {
			const spec = structuredClone(cohort.spec);
			const generated = new GeneratedMembers(spec);
			return {
				cohortId: id,
				contentKey: JSON.stringify(spec),
				size: generated.size,
				propertyNames: generated.propertyNames,
				members: (withProperties = true) => generated.iterate(withProperties),
			};
		}
		const entries = Array.from(cohort.state.members);
		return {
			cohortId: id,
			size: entries.length,
			propertyNames: STATIC_PROPERTY_NAMES,
			members: function* () {
				for (const [amplitudeId, userId] of entries) yield staticMember(amplitudeId, userId);
			},
		};
	}
}
