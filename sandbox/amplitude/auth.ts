/**
 * The gate in front of every /api route: HTTP Basic auth (API key : secret key), then Amplitude's
 * per-project concurrency limit. A request counts as in flight until its response is closed, so a
 * download still streaming holds its slot.
 */
import { timingSafeEqual } from 'node:crypto';

import type { RouteHandler, SandboxRequest } from '../shared/server';
import type { SandboxContext } from './context';
import { sendError } from './errors';

export type AppHandler = (...args: [...Parameters<RouteHandler>, apiKey: string]) => ReturnType<RouteHandler>;

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
	const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
	if (!match) return undefined;
	const decoded = Buffer.from(match[1], 'base64').toString('utf8');
	const colon = decoded.indexOf(':');
	if (colon < 0) return undefined;
	return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function sameText(a: string, b: string): boolean {
	const left = Buffer.from(a);
	const right = Buffer.from(b);
	return left.length === right.length && timingSafeEqual(left, right);
}

export function authenticatedApiKey(context: SandboxContext, req: SandboxRequest): string | undefined {
	const credentials = parseBasic(req.headers.authorization);
	if (!credentials) return undefined;
	return sameText(credentials.user, context.apiKey) && sameText(credentials.password, context.secretKey) ? credentials.user : undefined;
}

export function requireApp(context: SandboxContext, handler: AppHandler): RouteHandler {
	return async (req, res) => {
		// A client that gave up while the answer was delayed (latency knob) holds no slot: its 'close' is past.
		if (res.destroyed || res.closed) return;
		const apiKey = authenticatedApiKey(context, req);
		if (!apiKey) {
			// Never echo what was sent: the key may be real.
			sendError(res, 401, 'Invalid API key / secret key');
			return;
		}
		const running = context.inFlight.get(apiKey) ?? 0;
		if (running + context.knobs.busyRequests >= context.knobs.concurrencyLimit) {
			sendError(
				res,
				429,
				`Too many concurrent requests: exceeded the concurrent limit of ${context.knobs.concurrencyLimit} requests for this project ` +
					'(shared by cohort downloads and the Dashboard REST API). Retry when running requests have finished.',
			);
			return;
		}
		context.inFlight.set(apiKey, running + 1);
		res.once('close', () => context.inFlight.set(apiKey, (context.inFlight.get(apiKey) ?? 1) - 1));
		await handler(req, res, apiKey);
	};
}
