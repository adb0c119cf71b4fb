/** One project audience behind the sync engine's port (Audiences API 2.x). */
import type { IDataObject } from 'n8n-workflow';

import type { RequestContext } from '../../shared/audience/http';
import {
	parseAudienceView,
	type AudienceApi,
	type AudienceMember,
	type AudienceView,
	type MemberChange,
	type WriteResult,
} from '../../shared/sync/types';
import { callAudiences, type AudienceRoute, type BatchProjectCredentials } from './index';

const MAX_IDS_PER_CALL = 10_000;

export class ProfileAudienceApi implements AudienceApi {
	readonly maxIdsPerCall = MAX_IDS_PER_CALL;

	constructor(
		private readonly ctx: RequestContext,
		private readonly credentials: BatchProjectCredentials,
		readonly audienceName: string,
		private readonly audienceType: string,
		private readonly displayName: string,
	) {}

	async view(indexingToken?: string): Promise<AudienceView> {
		const qs: IDataObject = { name: this.audienceName };
		if (indexingToken) qs.indexing_token = indexingToken;
		const answer = await callAudiences(this.ctx, this.credentials, {
			route: 'view',
			qs,
			what: `View audience "${this.audienceName}"`,
			acceptStatuses: [404],
		});
		if (answer.statusCode === 404) return { exists: false };
		return parseAudienceView(answer.body);
	}

	async create(): Promise<WriteResult> {
		const body: IDataObject = { name: this.audienceName, type: this.audienceType };
		if (this.displayName) body.display_name = this.displayName;
		return await this.write('create', `Create audience "${this.audienceName}"`, body);
	}

	async update(changes: MemberChange[]): Promise<WriteResult> {
		const ids = changes.map((change) =>
			change.action === 'add' ? { action: 'add', ...member(change.member) } : { action: 'remove', id: change.member.id },
		);
		return await this.write('update', `Update audience "${this.audienceName}"`, { name: this.audienceName, ids });
	}

	async replace(members: AudienceMember[]): Promise<WriteResult> {
		return await this.write('replace', `Replace audience "${this.audienceName}"`, {
			name: this.audienceName,
			ids: members.map(member),
		});
	}

	private async write(route: AudienceRoute, what: string, body: IDataObject): Promise<WriteResult> {
		const answer = await callAudiences(this.ctx, this.credentials, { route, body, what });
		const token = (answer.body as IDataObject | undefined)?.indexing_token;
		return typeof token === 'string' ? { indexingToken: token } : {};
	}
}

/** Attributes ride on added ids only; the 2.x API takes no tags. */
function member(entry: AudienceMember): IDataObject {
	return entry.attributes ? { id: entry.id, attributes: entry.attributes as IDataObject } : { id: entry.id };
}
