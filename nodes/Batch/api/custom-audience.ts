/**
 * The audiences of one Batch app: Custom Audience API 1.0 (Custom User IDs, advertising IDs) and 1.1
 * (Installation IDs, the only ones that take attributes and tags). The app's API key sits in the URL path;
 * this is the only place that builds these URLs.
 */
import type { ICredentialsDecrypted, IDataObject, IHttpRequestMethods } from 'n8n-workflow';

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

const CUSTOM_AUDIENCE_CREDENTIAL = 'batchApi';

export type IdentifierType = 'customUserId' | 'installationId' | 'advertisingId';

const IDENTIFIER_TYPES: Record<IdentifierType, { version: '1.0' | '1.1'; audienceType: string; extras: boolean }> = {
	customUserId: { version: '1.0', audienceType: 'custom_ids', extras: false },
	installationId: { version: '1.1', audienceType: 'install_ids', extras: true },
	advertisingId: { version: '1.0', audienceType: 'advertising_ids', extras: false },
};

interface AppCredentials {
	apiKey: string;
	restApiKey: string;
	baseUrl: string;
}

interface Call extends CallDetails {
	method: IHttpRequestMethods;
	/** Audience name; none for the list route. */
	name?: string;
}

export class CustomAudienceApi implements AudienceApi {
	readonly family = 'custom-audience';

	readonly maxIdsPerCall = 10_000;

	readonly maxPageSize = 100;

	readonly extras: AudienceApi['extras'];

	readonly acceptedTypes: string[];

	private readonly version: '1.0' | '1.1';

	private readonly audienceType: string;

	/** Reads the app's credential; the identifier type decides the API version and the audience type. */
	static async connect(ctx: RequestContext, identifierType: IdentifierType): Promise<CustomAudienceApi> {
		const { data, credential } = await readCredential<AppCredentials>(ctx, CUSTOM_AUDIENCE_CREDENTIAL);
		return new CustomAudienceApi(
			ctx,
			{
				apiKey: String(data.apiKey ?? '').trim(),
				restApiKey: String(data.restApiKey ?? ''),
				baseUrl: String(data.baseUrl || 'https://api.batch.com').replace(/\/+$/, ''),
			},
			credential,
			identifierType,
		);
	}

	private constructor(
		private readonly ctx: RequestContext,
		private readonly credentials: AppCredentials,
		private readonly credential: ICredentialsDecrypted,
		identifierType: IdentifierType,
	) {
		const identifier = IDENTIFIER_TYPES[identifierType] ?? IDENTIFIER_TYPES.customUserId;
		this.version = identifier.version;
		this.audienceType = identifier.audienceType;
		this.acceptedTypes = [identifier.audienceType];
		this.extras = { attributes: identifier.extras, tags: identifier.extras };
	}

	get accountKey(): string {
		return this.credentials.apiKey;
	}

	get secrets(): string[] {
		return [this.credentials.apiKey, this.credentials.restApiKey];
	}

	async list(cursor: string | undefined, limit: number): Promise<AudiencePage> {
		const from = cursor === undefined ? 0 : Number(cursor);
		const answer = await this.call({ method: 'GET', what: 'List audiences', qs: { from, limit } });
		const audiences = ((answer.body as IDataObject)?.custom_audiences ?? []) as IDataObject[];
		return { audiences, next: audiences.length >= limit ? String(from + audiences.length) : undefined };
	}

	async get(name: string): Promise<IDataObject> {
		return (await this.call({ method: 'GET', what: `Get audience "${name}"`, name })).body as IDataObject;
	}

	async delete(name: string): Promise<IDataObject> {
		await this.call({ method: 'DELETE', what: `Delete audience "${name}"`, name });
		return { name, deleted: true };
	}

	async view(name: string, indexingToken?: string): Promise<AudienceView> {
		const answer = await this.call({
			method: 'GET',
			what: `View audience "${name}"`,
			name,
			qs: indexingToken ? { indexing_token: indexingToken } : undefined,
			acceptStatuses: [404],
		});
		return answer.statusCode === 404 ? { exists: false } : parseAudienceView(answer.body);
	}

	async create(name: string, details: NewAudience): Promise<WriteResult> {
		const body: IDataObject = { type: this.audienceType };
		if (details.description) body.description = details.description;
		await this.call({ method: 'POST', what: `Create audience "${name}"`, name, body });
		return {};
	}

	/** Not async, like replace: see idsBody. */
	update(name: string, action: 'add' | 'remove', members: MemberBatch): Promise<WriteResult> {
		// 1.0 requires the type on updates; 1.1 accepts it when it matches.
		const body = idsBody({ type: this.audienceType }, action, members, (member) => this.entry(member));
		return this.write('PATCH', `Update audience "${name}"`, name, body);
	}

	replace(name: string, members: MemberBatch): Promise<WriteResult> {
		const body = idsBody({ type: this.audienceType }, 'replace', members, (member) => this.entry(member));
		return this.write('PUT', `Replace audience "${name}"`, name, body);
	}

	private async write(method: IHttpRequestMethods, what: string, name: string, body: Buffer): Promise<WriteResult> {
		return indexingTokenOf(await this.call({ method, what, name, body }));
	}

	private entry(member: AudienceMember): IDataObject {
		const entry: IDataObject = { id: member.id };
		if (this.extras.attributes && member.attributes) entry.attributes = member.attributes as IDataObject;
		if (this.extras.tags && member.tags) entry.tags = member.tags;
		return entry;
	}

	private async call(call: Call): Promise<HttpAnswer> {
		const { apiKey, baseUrl } = this.credentials;
		const path = call.name === undefined ? '' : `/${encodeURIComponent(call.name)}`;
		return await sendOnce(
			this.ctx,
			{ method: call.method, url: `${baseUrl}/${this.version}/${encodeURIComponent(apiKey)}/custom-audience${path}`, qs: call.qs, body: call.body },
			{
				credentialType: CUSTOM_AUDIENCE_CREDENTIAL,
				credential: this.credential,
				secrets: this.secrets,
				what: call.what,
				acceptStatuses: call.acceptStatuses,
			},
		);
	}
}
