/**
 * Deterministic cohort membership computed from a CohortSpec, one member at a time, so a
 * 2,000,000-member cohort is never held in memory.
 *
 * A cohort has `size` slots. Revision r with churn f replaces c = round(size * f) members per
 * revision: a sweep walks the slots in a seeded pseudo-random order, c slots per revision, and every
 * visit moves the slot to its next generation (a brand-new member). Between revisions r-1 and r,
 * exactly c members leave and c new ones enter (when c <= size).
 */
import { DEFAULT_PROPERTIES, type CohortSpec } from './config';
import { hashString, mix, unit } from './hash';
import { generatedAmplitudeId, userIdForAmplitudeId } from './identities';

export interface CohortMember {
	amplitude_id: string;
	user_id: string;
	properties: Record<string, string>;
}

const ANONYMOUS_SALT = 0x5a17;

export function seedOf(spec: Pick<CohortSpec, 'id' | 'seed'>): number {
	return (spec.seed ?? hashString(spec.id)) >>> 0;
}

function gcd(a: number, b: number): number {
	while (b !== 0) [a, b] = [b, a % b];
	return a;
}

function modularInverse(value: number, modulus: number): number {
	let [oldR, r] = [value % modulus, modulus];
	let [oldS, s] = [1, 0];
	while (r !== 0) {
		const quotient = Math.floor(oldR / r);
		[oldR, r] = [r, oldR - quotient * r];
		[oldS, s] = [s, oldS - quotient * s];
	}
	return ((oldS % modulus) + modulus) % modulus;
}

/** Properties of any member, picked from its seed and serial; also used for uploaded members. */
export class PropertyPicker {
	readonly names: string[];

	private readonly salts: number[];

	constructor(
		private readonly seed: number,
		private readonly properties: Record<string, string[]> = DEFAULT_PROPERTIES,
	) {
		this.names = Object.keys(properties).filter((name) => properties[name].length > 0);
		this.salts = this.names.map((name) => hashString(name));
	}

	pick(serial: number): Record<string, string> {
		const picked: Record<string, string> = {};
		for (let index = 0; index < this.names.length; index++) {
			const values = this.properties[this.names[index]];
			picked[this.names[index]] = values[mix(this.seed, serial, this.salts[index]) % values.length];
		}
		return picked;
	}
}

export class GeneratedMembers implements Iterable<CohortMember> {
	readonly size: number;

	readonly propertyNames: string[];

	private readonly seed: number;

	private readonly anonymousRatio: number;

	private readonly picker: PropertyPicker;

	/** Slots visited by the churn sweep so far: revision * round(size * churn). */
	private readonly sweptSlots: number;

	/** The sweep visits slot (stepMultiplier * t + stepOffset) mod size at step t. */
	private readonly stepInverse: number;

	private readonly stepOffset: number;

	constructor(spec: CohortSpec) {
		this.size = Math.max(0, Math.floor(spec.size));
		this.seed = seedOf(spec);
		this.anonymousRatio = spec.anonymousRatio ?? 0.1;
		this.picker = new PropertyPicker(this.seed, spec.properties ?? DEFAULT_PROPERTIES);
		this.propertyNames = this.picker.names;
		const churned = Math.round(this.size * (spec.churn ?? 0));
		this.sweptSlots = Math.max(0, spec.revision ?? 0) * churned;
		let multiplier = this.size > 1 ? Math.floor(this.size * 0.618) + (this.seed % 97) : 1;
		while (this.size > 1 && gcd(multiplier, this.size) !== 1) multiplier++;
		this.stepInverse = this.size > 1 ? modularInverse(multiplier % this.size, this.size) : 0;
		this.stepOffset = this.size > 0 ? this.seed % this.size : 0;
	}

	/** How many times the churn sweep replaced the member of this slot. */
	generationOf(slot: number): number {
		if (this.sweptSlots === 0) return 0;
		const step = (((slot - this.stepOffset) % this.size) + this.size) % this.size;
		const position = this.size > 1 ? (step * this.stepInverse) % this.size : 0;
		return this.sweptSlots > position ? Math.floor((this.sweptSlots - 1 - position) / this.size) + 1 : 0;
	}

	/** Without properties, `properties` is left empty: an export without props=1 skips that work. */
	memberAt(slot: number, withProperties = true): CohortMember {
		const serial = slot + this.generationOf(slot) * this.size;
		const amplitudeId = generatedAmplitudeId(this.seed, serial);
		const anonymous = unit(this.seed, serial, ANONYMOUS_SALT) < this.anonymousRatio;
		return {
			amplitude_id: amplitudeId,
			user_id: anonymous ? '' : userIdForAmplitudeId(amplitudeId),
			properties: withProperties ? this.picker.pick(serial) : {},
		};
	}

	*iterate(withProperties = true): Iterator<CohortMember> {
		for (let slot = 0; slot < this.size; slot++) yield this.memberAt(slot, withProperties);
	}

	[Symbol.iterator](): Iterator<CohortMember> {
		return this.iterate();
	}
}
