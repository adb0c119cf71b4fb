/** The Batch node's AudienceBackend: its credentials, API version and identifier type for one item. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { AudienceBackend } from '../../shared/audience/backend';
import { identifierTypeInfo } from '../identifier-types';
import { CustomAudienceApi } from './custom-audience-api';
import { callCustomAudience, readCredentials, secretsOf } from './index';

const MAX_PAGE_SIZE = 100;

export async function batchBackend(ctx: IExecuteFunctions, itemIndex: number): Promise<AudienceBackend> {
	const credentials = await readCredentials(ctx);
	const identifier = identifierTypeInfo(ctx.getNodeParameter('identifierType', itemIndex, 'customUserId'));
	const { version } = identifier;
	return {
		family: 'custom-audience',
		accountKey: credentials.apiKey,
		secrets: secretsOf(credentials),
		extras: { attributes: identifier.extras, tags: identifier.extras },
		acceptedTypes: [identifier.audienceType],
		maxPageSize: MAX_PAGE_SIZE,
		audienceApi: (name) => {
			const description = ctx.getNodeParameter('description', itemIndex, '') as string;
			return new CustomAudienceApi(ctx, credentials, identifier, name, description);
		},
		async getAudience(name) {
			const answer = await callCustomAudience(ctx, credentials, { method: 'GET', version, name, what: `Get audience "${name}"` });
			return answer.body as IDataObject;
		},
		async listPage(cursor, limit) {
			const from = cursor === undefined ? 0 : Number(cursor);
			const answer = await callCustomAudience(ctx, credentials, {
				method: 'GET',
				version,
				qs: { from, limit },
				what: 'List audiences',
			});
			const audiences = ((answer.body as IDataObject)?.custom_audiences ?? []) as IDataObject[];
			return { audiences, next: audiences.length >= limit ? String(from + audiences.length) : undefined };
		},
		async deleteAudience(name) {
			await callCustomAudience(ctx, credentials, { method: 'DELETE', version, name, what: `Delete audience "${name}"` });
			return { name, deleted: true };
		},
	};
}
