/**
 * Cohorts made of explicit id lists: created or replaced by upload (endpoint 5) and edited by
 * membership (endpoint 6). Members are keyed by Amplitude id, in the order they were added.
 */
import { PropertyPicker, type CohortMember } from './members';

export interface StaticCohortState {
	id: string;
	name: string;
	appId: number;
	owner: string;
	published: boolean;
	/** Count group the ids belong to (`cg` on upload, `count_group` on membership; default "User"). */
	countGroup: string;
	idType: 'BY_AMP_ID' | 'BY_USER_ID';
	createdAt: number;
	lastMod: number;
	/** amplitude_id -> user_id */
	members: Map<string, string>;
}

/** Properties of uploaded members come from their Amplitude id, with the default property set. */
const uploadedProperties = new PropertyPicker(0x57a71c);

export function staticMember(amplitudeId: string, userId: string): CohortMember {
	return {
		amplitude_id: amplitudeId,
		user_id: userId,
		properties: uploadedProperties.pick(Number(amplitudeId.slice(-9))),
	};
}

export const STATIC_PROPERTY_NAMES = uploadedProperties.names;
