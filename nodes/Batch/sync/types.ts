/**
 * The audience sync engine's vocabulary, shared by both Batch APIs. Each API implements `AudienceApi`
 * (`../api`); the engine never builds a URL or knows which API it talks to.
 */
import type { IdList } from './packed-ids';

/** Attribute values Batch accepts on an id (String, Number, Float, Date as ISO text, Url, Array). */
export type AttributeValue = string | number | boolean | null | string[];

export type MemberAttributes = Record<string, AttributeValue>;

/** What may travel with an id when it is added (where the API accepts it). */
export interface MemberExtras {
	attributes?: MemberAttributes;
	tags?: string[];
}

export interface AudienceMember extends MemberExtras {
	id: string;
}

/** The ids of one write, and what travels with them. */
export interface MemberBatch {
	ids: IdList;
	/** The extras of an id; absent when no id of the sync carries any. */
	extrasOf?: (id: string) => MemberExtras | undefined;
}

export type IndexingState = 'IN_PROGRESS' | 'APPLIED' | 'REPLACED';

export interface AudienceView {
	exists: boolean;
	nbIds?: number;
	indexingState?: IndexingState | string;
	/** The audience type as the API spells it (`custom_ids`, `CUSTOM_ID`...). */
	type?: string;
	/** When Batch last changed the audience, as the API spells it: what tells Sync changes of outside writes. */
	updated?: string;
}

/** Reads the fields both audience APIs answer to a view (`nb_ids`, `indexing_state`, `type`). */
export function parseAudienceView(body: unknown): AudienceView {
	const fields = (body ?? {}) as Record<string, unknown>;
	return {
		exists: true,
		nbIds: typeof fields.nb_ids === 'number' ? fields.nb_ids : undefined,
		indexingState: typeof fields.indexing_state === 'string' ? fields.indexing_state : undefined,
		type: typeof fields.type === 'string' ? fields.type : undefined,
		updated: typeof fields.updated === 'string' || typeof fields.updated === 'number' ? String(fields.updated) : undefined,
	};
}

export interface WriteResult {
	indexingToken?: string;
}

/** What an API accepts with added ids. */
export interface ExtrasSupport {
	attributes: boolean;
	tags: boolean;
}

/** What an audience gets when it is created; each API uses the fields it has. */
export interface NewAudience {
	/** Custom Audience API: the audience's description. */
	description?: string;
	/** Audiences API: the name shown in the dashboard. */
	displayName?: string;
}

export interface AudiencePage {
	/** The audiences as the API answers them. */
	audiences: Record<string, unknown>[];
	/** Where the next page starts; undefined on the last page. */
	next?: string;
}

/**
 * The audiences of one Batch app or project. Plain values in, plain values out: the caller has read the
 * node's parameters. Every method makes exactly one HTTP attempt: the callers own retries, so they can
 * count and report them.
 */
export interface AudienceApi {
	/** Which API, part of the Sync Changes state key. */
	readonly family: 'custom-audience' | 'audiences';
	/** The app or project key: only ever hashed (state key) and scrubbed, never shown. */
	readonly accountKey: string;
	/** Every key of the credential, to scrub from what is shown. */
	readonly secrets: string[];
	readonly extras: ExtrasSupport;
	/** Audience types that fit the identifier type, as the API spells them in answers. */
	readonly acceptedTypes: string[];
	/** Elements allowed in one update or replace call. */
	readonly maxIdsPerCall: number;
	/** Largest page the list route serves. */
	readonly maxPageSize: number;
	list(cursor: string | undefined, limit: number): Promise<AudiencePage>;
	/** The audience as the API answers it (Get). */
	get(name: string): Promise<Record<string, unknown>>;
	delete(name: string): Promise<Record<string, unknown>>;
	/** The audience's size and indexing state; `exists: false` when there is none of that name. */
	view(name: string, indexingToken?: string): Promise<AudienceView>;
	create(name: string, details: NewAudience): Promise<WriteResult>;
	/** Adds (with their extras) or removes the ids. */
	update(name: string, action: 'add' | 'remove', members: MemberBatch): Promise<WriteResult>;
	replace(name: string, members: MemberBatch): Promise<WriteResult>;
}

/**
 * add: add the ids, remove nothing. replace: the audience ends up holding exactly the ids.
 * remove: remove the ids. syncChanges: send only who entered and who left since the last run.
 */
export type SyncMode = 'add' | 'replace' | 'remove' | 'syncChanges';

export const SYNC_MODES: readonly SyncMode[] = ['add', 'replace', 'remove', 'syncChanges'];

export type ChunkAction = 'replace' | 'add' | 'remove';
