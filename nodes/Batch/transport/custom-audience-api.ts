/** One per-app audience behind the sync engine's port (Custom Audience API 1.0 / 1.1). */
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
import type { IdentifierTypeInfo } from '../identifier-types';
import { callCustomAudience, type BatchAppCredentials } from './index';

const MAX_IDS_PER_CALL = 10_000;

export class CustomAudienceApi implements AudienceApi {
	readonly maxIdsPerCall = MAX_IDS_PER_CALL;

	constructor(
		private readonly ctx: RequestContext,
		private readonly credentials: BatchAppCredentials,
		private readonly identifier: IdentifierTypeInfo,
		readonly audienceName: string,
		private readonly description: string,
	) {}

	async view(indexingToken?: string): Promise<AudienceView> {
		const answer = await this.call('GET', `View audience "${this.audienceName}"`, {
			qs: indexingToken ? { indexing_token: indexingToken } : undefined,
			acceptStatuses: [404],
		});
		if (answer.statusCode === 404) return { exists: false };
		return parseAudienceView(answer.body);
	}

	async create(): Promise<WriteResult> {
		const body: IDataObject = { type: this.identifier.audienceType };
		if (this.description) body.description = this.description;
		await this.call('POST', `Create audience "${this.audienceName}"`, { body });
		return {};
	}

	async update(changes: MemberChange[]): Promise<WriteResult> {
		const ids = changes.map((change) =>
			change.action === 'add' ? { action: 'add', ...this.member(change.member) } : { action: 'remove', id: change.member.id },
		);
		// 1.0 requires the type on updates; 1.1 accepts it when it matches.
		return await this.write('PATCH', `Update audience "${this.audienceName}"`, { type: this.identifier.audienceType, ids });
	}

	async replace(members: AudienceMember[]): Promise<WriteResult> {
		return await this.write('PUT', `Replace audience "${this.audienceName}"`, {
			type: this.identifier.audienceType,
			ids: members.map((member) => this.member(member)),
		});
	}

	private member(member: AudienceMember): IDataObject {
		const entry: IDataObject = { id: member.id };
		if (this.identifier.extras && member.attributes) entry.attributes = member.attributes as IDataObject;
		if (this.identifier.extras && member.tags) entry.tags = member.tags;
		return entry;
	}

	private async write(method: 'PATCH' | 'PUT', what: string, body: IDataObject): Promise<WriteResult> {
		const answer = await this.call(method, what, { body });
		const token = (answer.body as IDataObject | undefined)?.indexing_token;
		return typeof token === 'string' ? { indexingToken: token } : {};
	}

	private async call(
		method: 'GET' | 'POST' | 'PATCH' | 'PUT',
		what: string,
		extra: { qs?: IDataObject; body?: IDataObject; acceptStatuses?: number[] },
	) {
		return await callCustomAudience(this.ctx, this.credentials, {
			method,
			version: this.identifier.version,
			name: this.audienceName,
			what,
			...extra,
		});
	}
}
