/**
 * The HTTP plumbing both sandboxes share: a loopback server, a tiny router, a request log,
 * and the fault knobs applied before any route runs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { Faults, type FaultDecision } from './faults';

export interface LoggedRequest {
	time: number;
	method: string;
	/** Path and query as received (the per-app Batch key is in it: tests check it never leaks elsewhere). */
	url: string;
	headers: http.IncomingHttpHeaders;
	status: number;
	/** Request body as text (JSON requests only; large bodies are kept whole for tests to inspect). */
	body?: string;
	durationMs: number;
	/** Set when a fault knob produced the answer. */
	fault?: FaultDecision['kind'];
}

export interface SandboxRequest {
	method: string;
	url: URL;
	path: string;
	params: Record<string, string>;
	headers: http.IncomingHttpHeaders;
	rawBody: Buffer;
	/** Parsed JSON body, or undefined when there is none; a malformed body makes `jsonError` set. */
	json: unknown;
	jsonError?: string;
	raw: http.IncomingMessage;
}

export type RouteHandler = (req: SandboxRequest, res: http.ServerResponse) => void | Promise<void>;

interface Route {
	method: string;
	pattern: RegExp;
	keys: string[];
	handler: RouteHandler;
}

export class Router {
	private readonly routes: Route[] = [];

	/** `path` uses `:name` segments; `:name*` matches the rest of the path. */
	add(method: string, path: string, handler: RouteHandler): this {
		const keys: string[] = [];
		const source = path.replace(/:(\w+)(\*)?/g, (_all, key: string, rest?: string) => {
			keys.push(key);
			return rest ? '(.*)' : '([^/]+)';
		});
		this.routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
		return this;
	}

	match(method: string, path: string): { handler: RouteHandler; params: Record<string, string> } | 'wrong-method' | undefined {
		let pathMatched = false;
		for (const route of this.routes) {
			const found = route.pattern.exec(path);
			if (!found) continue;
			pathMatched = true;
			if (route.method !== method) continue;
			const params: Record<string, string> = {};
			try {
				route.keys.forEach((key, index) => (params[key] = decodeURIComponent(found[index + 1])));
			} catch {
				return undefined; // a malformed %-escape names no resource: answer as an unknown route
			}
			return { handler: route.handler, params };
		}
		return pathMatched ? 'wrong-method' : undefined;
	}
}

export interface SandboxServerOptions {
	port?: number;
	host?: string;
	router: Router;
	/** Answer for a path no route knows. */
	notFound: (req: SandboxRequest, res: http.ServerResponse) => void;
	/** How this API writes a 429, 5xx or credential-echoing body (the request is there to echo). */
	faultBody: (decision: Exclude<FaultDecision, { kind: 'none' }>, req: SandboxRequest) => unknown;
	/** Paths the fault knobs never touch (e.g. a download under test of its own fault). */
	faultExempt?: (path: string) => boolean;
}

export interface RunningServer {
	url: string;
	port: number;
	faults: Faults;
	log: LoggedRequest[];
	close(): Promise<void>;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
	res.end(text);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

export async function startSandboxServer(options: SandboxServerOptions): Promise<RunningServer> {
	const faults = new Faults();
	const log: LoggedRequest[] = [];

	const server = http.createServer(async (raw, res) => {
		const started = Date.now();
		const url = new URL(raw.url ?? '/', 'http://sandbox');
		const entry: LoggedRequest = {
			time: started,
			method: raw.method ?? 'GET',
			url: raw.url ?? '/',
			headers: raw.headers,
			status: 0,
			durationMs: 0,
		};
		log.push(entry);
		res.on('finish', () => {
			entry.status = res.statusCode;
			entry.durationMs = Date.now() - started;
		});
		res.on('close', () => {
			if (!entry.status) entry.status = res.statusCode;
			entry.durationMs = Date.now() - started;
		});
		try {
			const rawBody = await readBody(raw);
			const request: SandboxRequest = {
				method: entry.method,
				url,
				path: url.pathname,
				params: {},
				headers: raw.headers,
				rawBody,
				json: undefined,
				raw,
			};
			if (rawBody.length > 0) {
				entry.body = rawBody.toString('utf8');
				try {
					request.json = JSON.parse(entry.body);
				} catch (error) {
					request.jsonError = (error as Error).message;
				}
			}
			if (faults.latencyMs > 0) await sleep(faults.latencyMs);

			if (!options.faultExempt?.(url.pathname)) {
				const decision = faults.decide(url.pathname);
				if (decision.kind !== 'none') {
					entry.fault = decision.kind;
					const headers: http.OutgoingHttpHeaders = {};
					if (decision.kind === 'rate-limit' && decision.retryAfter) headers['retry-after'] = decision.retryAfter;
					const status = decision.kind === 'rate-limit' ? 429 : decision.status;
					const body = options.faultBody(decision, request);
					// An echoing gateway may put what it echoes in the reason phrase too (all a credential test shows).
					if (decision.kind === 'credential-echo') res.statusMessage = JSON.stringify(body).replace(/[^\x20-\x7e]/g, '').slice(0, 300);
					sendJson(res, status, body, headers);
					return;
				}
			}

			const matched = options.router.match(request.method, url.pathname);
			if (!matched || matched === 'wrong-method') {
				options.notFound(request, res);
				return;
			}
			request.params = matched.params;
			await matched.handler(request, res);
		} catch (error) {
			if (!res.headersSent) sendJson(res, 500, { error: `sandbox bug: ${(error as Error).message}` });
			else res.destroy();
		}
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://${options.host ?? '127.0.0.1'}:${port}`,
		port,
		faults,
		log,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
