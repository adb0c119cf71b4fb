import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

/**
 * Amplitude project keys, used as HTTP Basic auth (user = API key, password = secret key).
 * The test lists cohorts: it never starts an export, which Amplitude meters (500 a month).
 * Named `amplitudeCohortsApi`, not `amplitudeApi`: n8n 1.x ships its own `amplitudeApi` (event tracking),
 * and credential type names are global, so reusing it would replace n8n's credential.
 */
export class AmplitudeCohortsApi implements ICredentialType {
	name = 'amplitudeCohortsApi';

	displayName = 'Amplitude Cohorts API';

	documentationUrl = 'https://amplitude.com/docs/apis/authentication';

	icon = { light: 'file:../nodes/Amplitude/amplitude.svg', dark: 'file:../nodes/Amplitude/amplitude.dark.svg' } as const;

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "The project's API key (Organization settings → Projects)",
		},
		{
			displayName: 'Secret Key',
			name: 'secretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "The project's secret key",
		},
		{
			displayName: 'Data Centre',
			name: 'region',
			type: 'options',
			default: 'us',
			options: [
				{ name: 'US (amplitude.com)', value: 'us' },
				{ name: 'EU (analytics.eu.amplitude.com)', value: 'eu' },
				{ name: 'Custom Base URL', value: 'custom', description: 'A proxy, or a test server' },
			],
			description: 'Where the project is hosted. An EU project answers with errors on the US host.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. https://amplitude-proxy.example.com',
			displayOptions: { show: { region: ['custom'] } },
			description: 'Used instead of the Amplitude host; the API paths (/api/3/…, /api/5/…) are appended to it',
		},
	];

	/** A function, like the Batch credentials' (see there why): no expression evaluated per request. */
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return { ...requestOptions, auth: { username: String(credentials.apiKey ?? ''), password: String(credentials.secretKey ?? '') } };
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{ $credentials.region === "eu" ? "https://analytics.eu.amplitude.com" : $credentials.region === "custom" ? String($credentials.baseUrl).trim().replace(/\\/+$/, "") : "https://amplitude.com" }}',
			url: '/api/3/cohorts',
			method: 'GET',
		},
		// n8n shows the HTTP reason phrase of a failed test, never the body; these fixed texts replace even that
		// for the usual refusals, so a proxy that echoes the keys cannot put them on screen.
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'Amplitude refused the API key / secret key (401): check both keys and the data centre' },
			},
			{
				type: 'responseCode',
				properties: { value: 403, message: 'Amplitude refused the API key / secret key (403): check both keys and the data centre' },
			},
			{
				type: 'responseCode',
				properties: { value: 429, message: 'Amplitude is rate limiting this project (429): test again in a minute' },
			},
		],
	};
}
