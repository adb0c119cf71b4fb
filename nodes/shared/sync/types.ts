/**
 * The audience sync engine's vocabulary, shared by both Batch nodes. Each node implements `AudienceApi`
 * for one audience; the engine never builds a URL or knows which API family it talks to.
 */

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

export type MemberChange = { action: 'add'; member: AudienceMember } | { action: 'remove'; member: { id: string } };

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

/**
 * One audience, as each node's transport exposes it. Every method makes exactly one HTTP attempt:
 * the engine owns retries, so it can count and report them.
 */
export interface AudienceApi {
	readonly audienceName: string;
	/** Elements allowed in one update or replace call. */
	readonly maxIdsPerCall: number;
	view(indexingToken?: string): Promise<AudienceView>;
	create(): Promise<WriteResult>;
	update(changes: MemberChange[]): Promise<WriteResult>;
	replace(members: AudienceMember[]): Promise<WriteResult>;
}

/**
 * add: add the ids, remove nothing. replace: the audience ends up holding exactly the ids.
 * remove: remove the ids. syncChanges: send only who entered and who left since the last run.
 */
export type SyncMode = 'add' | 'replace' | 'remove' | 'syncChanges';

export const SYNC_MODES: readonly SyncMode[] = ['add', 'replace', 'remove', 'syncChanges'];

export type ChunkAction = 'replace' | 'add' | 'remove';
