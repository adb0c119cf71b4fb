/** The AudienceApi a node talks to: its credential, and for an app the identifier type the user chose. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { CustomAudienceApi, type IdentifierType } from '../../api/custom-audience';
import type { RequestContext } from '../../api/http';
import { ProfileAudiencesApi } from '../../api/profile-audiences';
import type { AudienceApi } from '../../sync/types';

/** The Batch node: one app's Custom Audience API. The Batch Profile node: one project's Audiences API. */
export type BatchApiName = 'customAudience' | 'profileAudiences';

export async function connectAudienceApi(ctx: RequestContext, api: BatchApiName, identifierType: unknown): Promise<AudienceApi> {
	if (api === 'profileAudiences') return await ProfileAudiencesApi.connect(ctx);
	return await CustomAudienceApi.connect(ctx, identifierType as IdentifierType);
}

/** The AudienceApi for one input item (the identifier type may differ per item). */
export async function connectForItem(ctx: IExecuteFunctions, api: BatchApiName, itemIndex: number): Promise<AudienceApi> {
	const identifierType = api === 'customAudience' ? ctx.getNodeParameter('identifierType', itemIndex, 'customUserId') : undefined;
	return await connectAudienceApi(ctx, api, identifierType);
}
