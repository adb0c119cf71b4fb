/** n8n credentials pointing our three credential types at running sandboxes, in `n8n import:credentials` form. */
import { AMPLITUDE_SANDBOX_API_KEY, AMPLITUDE_SANDBOX_SECRET_KEY } from '../../sandbox/amplitude';
import { BATCH_SANDBOX_APP_KEY, BATCH_SANDBOX_PROJECT_KEY, BATCH_SANDBOX_REST_KEY } from '../../sandbox/batch';

/** The ids the example workflows reference, so an imported example runs without picking credentials. */
export const CREDENTIAL_IDS = {
	amplitudeCohortsApi: 'amplitudeSandboxCred',
	batchApi: 'batchSandboxCred',
	batchProfileApi: 'batchProfileSandboxCred',
} as const;

export function sandboxCredentials(amplitudeUrl: string, batchUrl: string) {
	return [
		{
			id: CREDENTIAL_IDS.amplitudeCohortsApi,
			name: 'Amplitude sandbox',
			type: 'amplitudeCohortsApi',
			data: {
				apiKey: AMPLITUDE_SANDBOX_API_KEY,
				secretKey: AMPLITUDE_SANDBOX_SECRET_KEY,
				region: 'custom',
				baseUrl: amplitudeUrl,
			},
		},
		{
			id: CREDENTIAL_IDS.batchApi,
			name: 'Batch sandbox app',
			type: 'batchApi',
			data: { apiKey: BATCH_SANDBOX_APP_KEY, restApiKey: BATCH_SANDBOX_REST_KEY, baseUrl: batchUrl },
		},
		{
			id: CREDENTIAL_IDS.batchProfileApi,
			name: 'Batch sandbox project',
			type: 'batchProfileApi',
			data: { projectApiKey: BATCH_SANDBOX_PROJECT_KEY, restApiKey: BATCH_SANDBOX_REST_KEY, baseUrl: batchUrl },
		},
	];
}
