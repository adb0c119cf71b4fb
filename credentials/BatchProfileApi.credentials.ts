import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/**
 * One Batch project (Audiences API 2.x): the REST API key as a bearer token and the project key in the
 * X-Batch-Project header. The test lists the project's audiences.
 */
export class BatchProfileApi implements ICredentialType {
	name = 'batchProfileApi';

	displayName = 'Batch Profile API';

	icon: Icon = { light: 'file:../nodes/Batch/batchProfile.svg', dark: 'file:../nodes/Batch/batchProfile.dark.svg' };

	documentationUrl = 'https://doc.batch.com/developer/api/cep/audiences/create';

	properties: INodeProperties[] = [
		{
			displayName: 'Project Key',
			name: 'projectApiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "The project's key: Batch dashboard, Settings → General",
		},
		{
			displayName: 'REST API Key',
			name: 'restApiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "The company's REST API key: Batch dashboard, Settings → General (only managers see it)",
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.batch.com',
			description: 'Change only to reach a proxy or a test server',
		},
	];

	/**
	 * A function rather than a generic block of expressions: n8n evaluates such expressions again for every
	 * request (in n8n 2.x's expression sandbox, milliseconds each), which a sync of millions of ids, in
	 * hundreds of calls, pays for in seconds.
	 */
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			headers: {
				...requestOptions.headers,
				Authorization: `Bearer ${String(credentials.restApiKey ?? '')}`,
				'X-Batch-Project': String(credentials.projectApiKey ?? ''),
			},
		};
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/2.11/audiences/list',
			qs: { limit: 1 },
		},
		// n8n shows the HTTP reason phrase of a failed test, never the body; these fixed texts replace even that
		// for the usual refusals, so a gateway that echoes the keys cannot put them on screen.
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'Batch refused the REST API key for this project key (401): check both (Settings → General)' },
			},
			{
				type: 'responseCode',
				properties: { value: 403, message: 'Batch refused this call (403): the keys may not use the Audiences API' },
			},
			{ type: 'responseCode', properties: { value: 429, message: 'Batch is rate limiting (429): test again in a minute' } },
		],
	};
}
