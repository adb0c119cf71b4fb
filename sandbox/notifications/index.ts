/**
 * A chat-webhook stand-in (Slack/Teams "incoming webhook" style): accepts JSON posts and keeps them,
 * so the example that alerts on a sync report can be run and checked without a chat service.
 */
import { Router, sendJson, startSandboxServer, type RunningServer } from '../shared/server';

export interface NotificationSink extends RunningServer {
	/** Webhook URL to post to. */
	url: string;
	received: unknown[];
}

export async function startNotificationSink(port = 0): Promise<NotificationSink> {
	const received: unknown[] = [];
	const router = new Router().add('POST', '/webhook', (req, res) => {
		if (req.jsonError || req.json === undefined) return sendJson(res, 400, { ok: false, error: 'invalid_payload' });
		received.push(req.json);
		sendJson(res, 200, { ok: true });
	});
	const server = await startSandboxServer({
		port,
		router,
		notFound: (_req, res) => sendJson(res, 404, { ok: false, error: 'no_such_webhook' }),
		faultBody: () => ({ ok: false, error: 'rate_limited' }),
	});
	return { ...server, url: `${server.url}/webhook`, received };
}
