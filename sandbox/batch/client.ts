/** A small fetch-based client for the sandbox, so tests and demos call it over real HTTP in one line. */
import type { BatchSandbox } from './index';

export interface SandboxAnswer {
	status: number;
	headers: Headers;
	text: string;
	/** Parsed body, or undefined when it is not JSON (typed loosely: tests assert on it field by field). */
	json: any;
}

export interface RawCall {
	method: string;
	headers?: Record<string, string>;
	/** A string is sent as is (to test malformed bodies); anything else is JSON-encoded. */
	body?: unknown;
}

export async function callSandbox(url: string, call: RawCall): Promise<SandboxAnswer> {
	const body = call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
	const response = await fetch(url, { method: call.method, headers: call.headers, body });
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: response.status, headers: response.headers, text, json };
}

/** Custom Audience API calls: `path` is what follows `/custom-audience` (e.g. `/my_audience?indexing_token=T`). */
export function customAudienceClient(sb: BatchSandbox, options: { version?: string; appKey?: string; restKey?: string } = {}) {
	const version = options.version ?? '1.0';
	const appKey = options.appKey ?? sb.appKeys[0];
	const headers = { 'content-type': 'application/json', 'x-authorization': options.restKey ?? sb.restApiKey };
	const call = (method: string, path = '', body?: unknown) =>
		callSandbox(`${sb.url}/${version}/${appKey}/custom-audience${path}`, { method, headers, body });
	return {
		call,
		create: (name: string, body: unknown = { type: version === '1.1' ? 'install_ids' : 'custom_ids' }) => call('POST', `/${name}`, body),
		update: (name: string, body: unknown) => call('PATCH', `/${name}`, body),
		replace: (name: string, body: unknown) => call('PUT', `/${name}`, body),
		view: (name: string, token?: string) => call('GET', `/${name}${token ? `?indexing_token=${token}` : ''}`),
		list: (query = '') => call('GET', query ? `?${query}` : ''),
		remove: (name: string) => call('DELETE', `/${name}`),
	};
}

/** Audiences API 2.x calls: `route` is `create`, `update`, `list`… */
export function audiencesClient(sb: BatchSandbox, options: { version?: string; projectKey?: string; restKey?: string } = {}) {
	const version = options.version ?? '2.11';
	const headers = {
		'content-type': 'application/json',
		authorization: `Bearer ${options.restKey ?? sb.restApiKey}`,
		'x-batch-project': options.projectKey ?? sb.projectKeys[0],
	};
	const url = (route: string) => `${sb.url}/${version}/audiences/${route}`;
	return {
		post: (route: string, body: unknown) => callSandbox(url(route), { method: 'POST', headers, body }),
		get: (route: string, query: Record<string, string> = {}) =>
			callSandbox(`${url(route)}?${new URLSearchParams(query).toString()}`, { method: 'GET', headers }),
	};
}
