/**
 * The audiences of one Batch omnichannel project: Audiences API 2.x, Customer User ID audiences only
 * (the only type it documents; answers spell it CUSTOM_ID), attributes on added ids, no tags. This is the
 * only place that builds these URLs.
 */
import type { ICredentialsDecrypted, IDataObject } from 'n8n-workflow';

import {
	parseAudienceView,
	type AudienceApi,
	type AudienceMember,
	type AudiencePage,
	type AudienceView,
	type MemberBatch,
	type NewAudience,
	type WriteResult,
} from '../sync/types';
import { indexingTokenOf, readCredential, sendOnce, type CallDetails, type HttpAnswer, type RequestContext } from './http';
import { idsBody } from './ids-body';

const PROFILE_AUDIENCES_CREDENTIAL = 'batchProfileApi';

/** The current documented version; every 2.x version serves the same audience routes. */
const API_VERSION = '2.11';

const AUDIENCE_TYPE = 'custom_ids';

type Route = 'create' | 'update' | 'replace' | 'remove' | 'list' | 'view';

interface ProjectCredentials {
	projectApiKey: string;
	restApiKey: string;
	baseUrl: string;
}

interface Call extends CallDetails {
	route: Route;
}

export class ProfileAudiencesApi implements AudienceApi {
	readonly family = 'audiences';

	readonly maxIdsPerCall = 10_000;

	readonly maxPageSize = 100;

	readonly extras = { attributes: true, tags: false };

	readonly acceptedTypes = [AUDIENCE_TYPE, 'CUSTOM_ID'];

	static async connect(ctx: RequestContext): Promise<ProfileAudiencesApi> {
		// The field is named projectApiKey (a name both lint rule sets agree is a secret); shown as "Project Key".
		type Stored = { projectApiKey?: string; restApiKey?: string; baseUrl?: string };
		const { data, credential } = await readCredential<Stored>(ctx, PROFILE_AUDIENCES_CREDENTIAL);
		const credentials = {
			projectApiKey: String(data.projectApiKey ?? '').trim(),
			restApiKey: String(data.restApiKey ?? ''),
			baseUrl: String(data.baseUrl || 'https://api.batch.com').replace(/\/+$/, ''),
		};
		return new ProfileAudiencesApi(ctx, credentials, credential);
	}

	private constructor(
		private readonly ctx: RequestContext,
		private readonly credentials: ProjectCredentials,
		private readonly credential: ICredentialsDecrypted,
	) {}

	get accountKey(): string {
		return this.credentials.projectApiKey;
	}

	get secrets(): string[] {
		return [this.credentials.projectApiKey, this.credentials.restApiKey];
	}

	async list(cursor: string | undefined, limit: number): Promise<AudiencePage> {
		const qs: IDataObject = { limit };
		if (cursor !== undefined) qs.from = cursor;
		const body = ((await this.call({ route: 'list', what: 'List audiences', qs })).body ?? {}) as IDataObject;
		const next = body.has_more === true && typeof body.next_from === 'string' ? body.next_from : undefined;
		return { audiences: (body.audiences ?? []) as IDataObject[], next };
	}

	async get(name: string): Promise<IDataObject> {
		return (await this.call({ route: 'view', what: `Get audience "${name}"`, qs: { name } })).body as IDataObject;
	}

	async delete(name: string): Promise<IDataObject> {
		const answer = await this.call({ route: 'remove', what: `Delete audience "${name}"`, body: { name } });
		const { indexingToken } = indexingTokenOf(answer);
		return { name, deleted: true, ...(indexingToken ? { indexing_token: indexingToken } : {}) };
	}

	async view(name: string, indexingToken?: string): Promise<AudienceView> {
		const qs: IDataObject = { name };
		if (indexingToken) qs.indexing_token = indexingToken;
		const answer = await this.call({ route: 'view', what: `View audience "${name}"`, qs, acceptStatuses: [404] });
		return answer.statusCode === 404 ? { exists: false } : parseAudienceView(answer.body);
	}

	async create(name: string, details: NewAudience): Promise<WriteResult> {
		const body: IDataObject = { name, type: AUDIENCE_TYPE };
		if (details.displayName) body.display_name = details.displayName;
		return indexingTokenOf(await this.call({ route: 'create', what: `Create audience "${name}"`, body }));
	}

	/** Not async, like replace: see idsBody. */
	update(name: string, action: 'add' | 'remove', members: MemberBatch): Promise<WriteResult> {
		return this.write('update', `Update audience "${name}"`, idsBody({ name }, action, members, entry));
	}

	replace(name: string, members: MemberBatch): Promise<WriteResult> {
		return this.write('replace', `Replace audience "${name}"`, idsBody({ name }, 'replace', members, entry));
	}

	private async write(route: Route, what: string, body: Buffer): Promise<WriteResult> {
		return indexingTokenOf(await this.call({ route, what, body }));
	}

	private async call(call: Call): Promise<HttpAnswer> {
		const method = call.route === 'list' || call.route === 'view' ? 'GET' : 'POST';
		return await sendOnce(
			this.ctx,
			{ method, url: `${this.credentials.baseUrl}/${API_VERSION}/audiences/${call.route}`, qs: call.qs, body: call.body },
			{
				credentialType: PROFILE_AUDIENCES_CREDENTIAL,
				credential: this.credential,
				secrets: this.secrets,
				what: call.what,
				acceptStatuses: call.acceptStatuses,
			},
		);
	}
}

/** Attributes ride on added ids only; the 2.x API takes no tags. */
function entry(member: AudienceMember): IDataObject {
	return member.attributes ? { id: member.id, attributes: member.attributes as IDataObject } : { id: member.id };
}
