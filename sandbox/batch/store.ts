/**
 * The true state of every audience, per app key and per project key, with the indexing of each.
 * Membership changes at once (tests assert on it); what the API reports lags through `AudienceIndexing`.
 */
import { AudienceIndexing } from './indexing';

export interface AudienceMember {
	attributes?: Record<string, unknown>;
	tags?: string[];
}

/** An audience's true state, for assertions. */
export interface SandboxAudience {
	name: string;
	type: string;
	description?: string;
	displayName?: string;
	ids: Map<string, AudienceMember>;
	created: string;
	updated: string;
	/** Write calls that touched it: its create, updates and replaces. */
	writes: number;
}

export interface AudienceRecord {
	audience: SandboxAudience;
	indexing: AudienceIndexing;
	/** Creation order, for newest-first listing and list cursors. */
	order: number;
}

export interface MembershipChange extends AudienceMember {
	action: 'add' | 'remove';
	id: string;
}

export interface MemberEntry extends AudienceMember {
	id: string;
}

export interface NewAudience {
	name: string;
	type: string;
	description?: string;
	displayName?: string;
	ids?: string[];
}

/** Audiences of one app and of one project live in separate namespaces. */
export type AudienceScope = `app:${string}` | `project:${string}`;
export const appScope = (appKey: string): AudienceScope => `app:${appKey}`;
export const projectScope = (projectKey: string): AudienceScope => `project:${projectKey}`;

/** Batch shows second-precision ISO dates. */
const timestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export class AudienceStore {
	private readonly scopes = new Map<AudienceScope, Map<string, AudienceRecord>>();

	private creations = 0;

	constructor(private readonly indexingDelayMs: () => number) {}

	find(scope: AudienceScope, name: string): AudienceRecord | undefined {
		return this.scopes.get(scope)?.get(name);
	}

	newestFirst(scope: AudienceScope): AudienceRecord[] {
		return [...(this.scopes.get(scope)?.values() ?? [])].sort((a, b) => b.order - a.order);
	}

	/** Creates an audience (the caller checked it does not exist); seeded ids count as already indexed. */
	create(scope: AudienceScope, fields: NewAudience): AudienceRecord {
		const now = timestamp();
		const ids = new Map<string, AudienceMember>((fields.ids ?? []).map((id) => [id, {}]));
		const record: AudienceRecord = {
			audience: {
				name: fields.name,
				type: fields.type,
				description: fields.description,
				displayName: fields.displayName,
				ids,
				created: now,
				updated: now,
				writes: 0,
			},
			indexing: new AudienceIndexing(ids.size, this.indexingDelayMs),
			order: ++this.creations,
		};
		let audiences = this.scopes.get(scope);
		if (!audiences) this.scopes.set(scope, (audiences = new Map()));
		audiences.set(fields.name, record);
		return record;
	}

	/** Counts the creating call as a write and returns its indexing token (2.x create answers one). */
	recordCreation(record: AudienceRecord): string {
		return this.recordWrite(record, false);
	}

	/** Applies adds and removes; when an id appears several times only its last action counts. */
	update(record: AudienceRecord, changes: MembershipChange[]): string {
		const lastChangeById = new Map<string, MembershipChange>();
		for (const change of changes) {
			lastChangeById.delete(change.id);
			lastChangeById.set(change.id, change);
		}
		const { ids } = record.audience;
		for (const change of lastChangeById.values()) {
			if (change.action === 'remove') ids.delete(change.id);
			else ids.set(change.id, memberOf(change));
		}
		return this.recordWrite(record, false);
	}

	/** Removes every previous member and adds the given ones. */
	replace(record: AudienceRecord, entries: MemberEntry[]): string {
		const { ids } = record.audience;
		ids.clear();
		for (const entry of entries) ids.set(entry.id, memberOf(entry));
		return this.recordWrite(record, true);
	}

	delete(scope: AudienceScope, name: string): boolean {
		return this.scopes.get(scope)?.delete(name) ?? false;
	}

	clear(): void {
		this.scopes.clear();
	}

	private recordWrite(record: AudienceRecord, isReplace: boolean): string {
		record.audience.writes++;
		record.audience.updated = timestamp();
		return record.indexing.recordWrite(record.audience.ids.size, isReplace);
	}
}

function memberOf(source: AudienceMember): AudienceMember {
	const member: AudienceMember = {};
	if (source.attributes !== undefined) member.attributes = source.attributes;
	if (source.tags !== undefined) member.tags = source.tags;
	return member;
}
