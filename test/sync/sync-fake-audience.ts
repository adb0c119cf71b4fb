/** An API holding one in-memory audience, behind the engine's AudienceApi port, with scripted failures. */
import { idsOf } from '../../nodes/Batch/sync/packed-ids';
import type { AudienceApi, AudienceMember, AudiencePage, AudienceView, MemberBatch, WriteResult } from '../../nodes/Batch/sync/types';

export class FakeAudience implements AudienceApi {
	exists = false;

	readonly members = new Map<string, AudienceMember>();

	readonly calls: Array<{ kind: string; size: number }> = [];

	/** Errors thrown by the next calls, in order (undefined = succeed). */
	failures: Array<unknown | undefined> = [];

	/** Fails every write from the Nth (1-based) on, with this error. */
	failWritesFrom?: { n: number; error: unknown };

	indexingState: string = 'APPLIED';

	nbIdsOverride?: number;

	private writes = 0;

	private tokens = 0;

	readonly family = 'audiences';

	readonly accountKey = 'fake-key';

	readonly secrets = ['fake-key'];

	readonly extras = { attributes: true, tags: true };

	readonly acceptedTypes = ['custom_ids'];

	readonly maxPageSize = 100;

	constructor(
		readonly audienceName = 'fake',
		readonly maxIdsPerCall = 3,
		readonly type = 'custom_ids',
	) {}

	async list(): Promise<AudiencePage> {
		return { audiences: this.exists ? [{ name: this.audienceName, nb_ids: this.members.size }] : [] };
	}

	async get(name: string): Promise<Record<string, unknown>> {
		this.checkName(name);
		return { name, nb_ids: this.members.size };
	}

	async delete(name: string): Promise<Record<string, unknown>> {
		this.checkName(name);
		this.exists = false;
		this.members.clear();
		return { name, deleted: true };
	}

	async view(name: string): Promise<AudienceView> {
		this.checkName(name);
		this.next('view', 0);
		if (!this.exists) return { exists: false };
		return { exists: true, nbIds: this.nbIdsOverride ?? this.members.size, indexingState: this.indexingState, type: this.type };
	}

	async create(name: string): Promise<WriteResult> {
		this.checkName(name);
		this.next('create', 0);
		this.exists = true;
		return {};
	}

	async update(name: string, action: 'add' | 'remove', members: MemberBatch): Promise<WriteResult> {
		this.checkName(name);
		this.write('update', members.ids.length);
		for (const member of membersOf(members)) {
			if (action === 'add') this.members.set(member.id, member);
			else this.members.delete(member.id);
		}
		return { indexingToken: `t${++this.tokens}` };
	}

	async replace(name: string, members: MemberBatch): Promise<WriteResult> {
		this.checkName(name);
		this.write('replace', members.ids.length);
		this.members.clear();
		for (const member of membersOf(members)) this.members.set(member.id, member);
		return { indexingToken: `t${++this.tokens}` };
	}

	ids(): string[] {
		return [...this.members.keys()].sort();
	}

	/** The engine must name the audience it syncs in every call. */
	private checkName(name: string) {
		if (name !== this.audienceName) throw new Error(`FakeAudience "${this.audienceName}" was called for "${name}"`);
	}

	private write(kind: string, size: number) {
		this.writes++;
		if (this.failWritesFrom && this.writes >= this.failWritesFrom.n) {
			this.calls.push({ kind: `${kind}!`, size });
			throw this.failWritesFrom.error;
		}
		this.next(kind, size);
	}

	private next(kind: string, size: number) {
		const failure = this.failures.shift();
		if (failure !== undefined) {
			this.calls.push({ kind: `${kind}!`, size });
			throw failure;
		}
		this.calls.push({ kind, size });
	}
}

/** An error shaped like the node transport's: an HTTP status and an optional Retry-After. */
export function httpError(status: number, retryAfter?: string): Error {
	return Object.assign(new Error(`HTTP ${status}`), { httpCode: String(status), context: { retryAfter } });
}

function membersOf({ ids, extrasOf }: MemberBatch): AudienceMember[] {
	return idsOf(ids).map((id) => ({ id, ...extrasOf?.(id) }));
}
