/** The only place that builds Custom Audience API URLs (the app's API key sits in the path) and calls Batch. */
import type { IDataObject, IHttpRequestMethods } from 'n8n-workflow';

import { sendOnce, type HttpAnswer, type RequestContext } from '../../shared/audience/http';

export const CREDENTIAL_TYPE = 'batchApi';

export interface BatchAppCredentials {
	apiKey: string;
	restApiKey: string;
	baseUrl: string;
}

export async function readCredentials(ctx: RequestContext): Promise<BatchAppCredentials> {
	const data = await ctx.getCredentials<BatchAppCredentials>(CREDENTIAL_TYPE);
	return {
		apiKey: String(data.apiKey ?? '').trim(),
		restApiKey: String(data.restApiKey ?? ''),
		baseUrl: String(data.baseUrl || 'https://api.batch.com').replace(/\/+$/, ''),
	};
}

export function secretsOf(credentials: BatchAppCredentials): string[] {
	return [credentials.apiKey, credentials.restApiKey];
}

export interface CustomAudienceCall {
	method: IHttpRequestMethods;
	version: '1.0' | '1.1';
	/** Audience name; none for the list route. */
	name?: string;
	qs?: IDataObject;
	body?: IDataObject;
	what: string;
	acceptStatuses?: number[];
}

export async function callCustomAudience(
	ctx: RequestContext,
	credentials: BatchAppCredentials,
	call: CustomAudienceCall,
): Promise<HttpAnswer> {
	const path = call.name === undefined ? '' : `/${encodeURIComponent(call.name)}`;
	return await sendOnce(
		ctx,
		{
			method: call.method,
			url: `${credentials.baseUrl}/${call.version}/${encodeURIComponent(credentials.apiKey)}/custom-audience${path}`,
			qs: call.qs,
			body: call.body,
		},
		{ credentialType: CREDENTIAL_TYPE, secrets: secretsOf(credentials), what: call.what, acceptStatuses: call.acceptStatuses },
	);
}
