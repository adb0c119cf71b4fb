/** The Batch Profile node's AudienceBackend: one project, Customer User ID audiences. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { AudienceBackend } from '../../shared/audience/backend';
import { callAudiences, readCredentials, secretsOf } from './index';
import { ProfileAudienceApi } from './profile-audience-api';

const MAX_PAGE_SIZE = 100;

/** Only `custom_ids` is documented for the API (answers spell it CUSTOM_ID); other types stay unexposed. */
const AUDIENCE_TYPE = 'custom_ids';
const ACCEPTED_TYPES = ['custom_ids', 'CUSTOM_ID'];

export async function batchProfileBackend(ctx: IExecuteFunctions, itemIndex: number): Promise<AudienceBackend> {
	const credentials = await readCredentials(ctx);
	return {
		family: 'audiences',
		accountKey: credentials.projectKey,
		secrets: secretsOf(credentials),
		extras: { attributes: true, tags: false },
		acceptedTypes: ACCEPTED_TYPES,
		maxPageSize: MAX_PAGE_SIZE,
		audienceApi: (name) => {
			const displayName = ctx.getNodeParameter('displayName', itemIndex, '') as string;
			return new ProfileAudienceApi(ctx, credentials, name, AUDIENCE_TYPE, displayName);
		},
		async getAudience(name) {
			const answer = await callAudiences(ctx, credentials, { route: 'view', qs: { name }, what: `Get audience "${name}"` });
			return answer.body as IDataObject;
		},
		async listPage(cursor, limit) {
			const qs: IDataObject = { limit };
			if (cursor !== undefined) qs.from = cursor;
			const answer = await callAudiences(ctx, credentials, { route: 'list', qs, what: 'List audiences' });
			const body = (answer.body ?? {}) as IDataObject;
			const next = body.has_more === true && typeof body.next_from === 'string' ? body.next_from : undefined;
			return { audiences: (body.audiences ?? []) as IDataObject[], next };
		},
		async deleteAudience(name) {
			const answer = await callAudiences(ctx, credentials, { route: 'remove', body: { name }, what: `Delete audience "${name}"` });
			const token = (answer.body as IDataObject | undefined)?.indexing_token;
			return { name, deleted: true, ...(typeof token === 'string' ? { indexing_token: token } : {}) };
		},
	};
}
