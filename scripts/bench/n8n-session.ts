/**
 * What the editor does, over n8n's REST API: set up the owner account, log in, and publish or unpublish a
 * workflow in the running instance (POST /rest/workflows/:id/activate with the version to publish, the
 * editor's Publish button on 2.x; /deactivate to unpublish).
 */
import { OWNER } from '../n8n/launch';

/** Sent with every call: n8n ties its session cookie to the browser id given at login. */
const BROWSER_ID = 'bench';

export interface N8nSession {
	publish(workflowId: string): Promise<void>;
	unpublish(workflowId: string): Promise<void>;
}

async function call(url: string, init: RequestInit & { cookie?: string } = {}): Promise<{ status: number; headers: Headers; body: string }> {
	const res = await fetch(url, {
		...init,
		headers: {
			'content-type': 'application/json',
			'browser-id': BROWSER_ID,
			...(init.cookie ? { cookie: `n8n-auth=${init.cookie}` } : {}),
		},
	});
	return { status: res.status, headers: res.headers, body: await res.text() };
}

function expectOk(what: string, answer: { status: number; body: string }): void {
	if (answer.status >= 300) throw new Error(`${what} answered ${answer.status}: ${answer.body.slice(0, 500)}`);
}

/** A fresh instance: creates its owner, logs in, returns what the bench needs. */
export async function ownerSession(baseUrl: string): Promise<N8nSession> {
	expectOk('owner setup', await call(`${baseUrl}/rest/owner/setup`, { method: 'POST', body: JSON.stringify(OWNER) }));
	const login = await call(`${baseUrl}/rest/login`, {
		method: 'POST',
		body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
	});
	expectOk('login', login);
	const cookie = /n8n-auth=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
	if (!cookie) throw new Error('login set no n8n-auth cookie');
	const workflows = `${baseUrl}/rest/workflows`;
	return {
		async publish(workflowId) {
			const current = await call(`${workflows}/${workflowId}`, { cookie });
			expectOk(`GET workflow ${workflowId}`, current);
			const { versionId } = (JSON.parse(current.body) as { data: { versionId: string } }).data;
			expectOk(
				`publish ${workflowId}`,
				await call(`${workflows}/${workflowId}/activate`, { method: 'POST', cookie, body: JSON.stringify({ versionId }) }),
			);
		},
		async unpublish(workflowId) {
			expectOk(`unpublish ${workflowId}`, await call(`${workflows}/${workflowId}/deactivate`, { method: 'POST', cookie, body: '{}' }));
		},
	};
}
