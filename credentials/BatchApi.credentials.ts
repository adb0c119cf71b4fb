import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/**
 * One Batch app (Custom Audience API): the app's API key goes in the URL path, the company REST API key in
 * the X-Authorization header. The test lists the app's audiences.
 */
export class BatchApi implements ICredentialType {
	name = 'batchApi';

	displayName = 'Batch API';

	icon: Icon = { light: 'file:../nodes/Batch/batch.svg', dark: 'file:../nodes/Batch/batch.dark.svg' };

	documentationUrl = 'https://doc.batch.com/api/custom-audience/1.0/overview';

	properties: INodeProperties[] = [
		{
			displayName: 'App API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "The app's Live or Dev API key (mobile), or its SDK API key (web): Batch dashboard, Settings → General",
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
		return { ...requestOptions, headers: { ...requestOptions.headers, 'X-Authorization': String(credentials.restApiKey ?? '') } };
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '=/1.0/{{encodeURIComponent($credentials.apiKey)}}/custom-audience',
			qs: { limit: 1 },
		},
		// n8n shows the HTTP reason phrase of a failed test, never the body; these fixed texts replace even that
		// for the usual refusals, so a gateway that echoes the keys cannot put them on screen.
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'Batch refused the REST API key or the app API key (401): check both (Settings → General)' },
			},
			{
				type: 'responseCode',
				properties: { value: 403, message: 'Batch refused this call (403): the keys may not use the Custom Audience API' },
			},
			{ type: 'responseCode', properties: { value: 429, message: 'Batch is rate limiting (429): test again in a minute' } },
		],
	};
}
