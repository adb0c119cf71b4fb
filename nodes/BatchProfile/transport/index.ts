/** The only place that builds Audiences API 2.x URLs and calls Batch for a project. */
import type { IDataObject, IHttpRequestMethods } from 'n8n-workflow';

import { sendOnce, type HttpAnswer, type RequestContext } from '../../shared/audience/http';

export const CREDENTIAL_TYPE = 'batchProfileApi';

/** The current documented version; every 2.x version serves the same audience routes. */
export const API_VERSION = '2.11';

export interface BatchProjectCredentials {
	projectKey: string;
	restApiKey: string;
	baseUrl: string;
}

export async function readCredentials(ctx: RequestContext): Promise<BatchProjectCredentials> {
	// The field is named projectApiKey (a name both lint rule sets agree is a secret); shown as "Project Key".
	const data = await ctx.getCredentials<{ projectApiKey?: string; restApiKey?: string; baseUrl?: string }>(CREDENTIAL_TYPE);
	return {
		projectKey: String(data.projectApiKey ?? '').trim(),
		restApiKey: String(data.restApiKey ?? ''),
		baseUrl: String(data.baseUrl || 'https://api.batch.com').replace(/\/+$/, ''),
	};
}

export function secretsOf(credentials: BatchProjectCredentials): string[] {
	return [credentials.projectKey, credentials.restApiKey];
}

export type AudienceRoute = 'create' | 'update' | 'replace' | 'remove' | 'list' | 'view';

export interface ProjectAudienceCall {
	route: AudienceRoute;
	qs?: IDataObject;
	body?: IDataObject;
	what: string;
	acceptStatuses?: number[];
}

export async function callAudiences(
	ctx: RequestContext,
	credentials: BatchProjectCredentials,
	call: ProjectAudienceCall,
): Promise<HttpAnswer> {
	const method: IHttpRequestMethods = call.route === 'list' || call.route === 'view' ? 'GET' : 'POST';
	return await sendOnce(
		ctx,
		{ method, url: `${credentials.baseUrl}/${API_VERSION}/audiences/${call.route}`, qs: call.qs, body: call.body },
		{ credentialType: CREDENTIAL_TYPE, secrets: secretsOf(credentials), what: call.what, acceptStatuses: call.acceptStatuses },
	);
}
