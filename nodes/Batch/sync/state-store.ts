/**
 * Where Sync changes files its memory: the workflow's static data (n8n persists it only for production,
 * i.e. active/trigger, executions), one entry per audience, API family and app/project. The entry key holds
 * a truncated SHA-256 of the app/project key, never the key itself.
 */
import { createHash } from 'crypto';

import type { EncodedAudienceState } from './state-codec';

/** The slice of n8n's static data object this store uses. */
export type StaticDataObject = Record<string, unknown>;

const ROOT_KEY = 'batchAudienceSync';

export interface AudienceStateStore {
	/** The stored value as found (decoded and checked by the engine). */
	load(): unknown;
	save(state: EncodedAudienceState): void;
	clear(): void;
}

export function audienceStateKey(family: string, accountKey: string, audienceName: string): string {
	const accountHash = createHash('sha256').update(`${family}\n${accountKey}`).digest('hex').slice(0, 16);
	return `${family}:${accountHash}:${audienceName}`;
}

/** Every stored state of this workflow, by key (created empty when there is none yet). */
export function storedStates(staticData: StaticDataObject): Record<string, unknown> {
	const existing = staticData[ROOT_KEY];
	if (existing && typeof existing === 'object') return existing as Record<string, unknown>;
	const created: Record<string, unknown> = {};
	staticData[ROOT_KEY] = created;
	return created;
}

export function staticDataStateStore(staticData: StaticDataObject, key: string): AudienceStateStore {
	const root = () => {
		const existing = staticData[ROOT_KEY];
		if (existing && typeof existing === 'object') return existing as Record<string, unknown>;
		const created: Record<string, unknown> = {};
		staticData[ROOT_KEY] = created;
		return created;
	};
	return {
		load: () => (staticData[ROOT_KEY] as Record<string, unknown> | undefined)?.[key],
		save: (state) => {
			root()[key] = state;
		},
		clear: () => {
			const entries = staticData[ROOT_KEY] as Record<string, unknown> | undefined;
			if (entries && key in entries) delete entries[key];
		},
	};
}
