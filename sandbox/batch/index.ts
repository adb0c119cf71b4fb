/**
 * The Batch sandbox: a loopback server speaking both audience API families of
 * /work/shared/api/batch-audiences.md — the per-app Custom Audience API 1.0/1.1 and the project
 * Audiences API 2.x — with the shared fault knobs, a request log and the true audience state for assertions.
 *
 * Choices where the docs are silent (each explained where it is made):
 * - `nb_ids` and `indexing_state` lag writes by `knobs.indexingDelayMs` (indexing.ts); the true membership does not.
 * - Error bodies per family and knob (errors.ts); invalid requests are 403 API_MISUSE in 1.x, 400 in 2.x (context.ts).
 * - An unknown app key is a 401, like a wrong REST key (auth.ts).
 * - `limit` above `knobs.listMaxLimit` is an error, not a clamp (validation.ts).
 * - Empty `ids` arrays are refused unless `knobs.allowEmptyIds` (config.ts).
 * - 1.0 updates require `type`, as Batch's 1.0 docs say (custom-audience-routes.ts).
 */
import {
	BATCH_SANDBOX_APP_KEY,
	BATCH_SANDBOX_PROJECT_KEY,
	BATCH_SANDBOX_REST_KEY,
	CUSTOM_AUDIENCE_TYPES,
	DEFAULT_BATCH_KNOBS,
	type BatchKnobs,
} from './config';
import type { BatchContext } from './context';
import { addCustomAudienceRoutes } from './custom-audience-routes';
import { batchErrors, faultBody, familyOfPath, sendBatchError } from './errors';
import { addProfileAudienceRoutes } from './profile-audience-routes';
import { AudienceStore, appScope, projectScope, type AudienceScope, type SandboxAudience } from './store';
import { WriteGate } from './write-gate';
import { Router, startSandboxServer, type RunningServer } from '../shared/server';

export { BATCH_SANDBOX_APP_KEY, BATCH_SANDBOX_PROJECT_KEY, BATCH_SANDBOX_REST_KEY, DEFAULT_BATCH_KNOBS } from './config';
export type { BatchKnobs } from './config';
export type { SandboxAudience } from './store';

export interface BatchSandboxOptions {
	port?: number;
	host?: string;
	restApiKey?: string;
	appKeys?: string[];
	projectKeys?: string[];
	knobs?: Partial<BatchKnobs>;
}

export interface BatchSandbox extends RunningServer {
	/** Live knobs: change them between calls. */
	knobs: BatchKnobs;
	/** The keys this instance accepts. */
	restApiKey: string;
	appKeys: readonly string[];
	projectKeys: readonly string[];
	appAudience(appKey: string, name: string): SandboxAudience | undefined;
	projectAudience(projectKey: string, name: string): SandboxAudience | undefined;
	/** True members, sorted. */
	appAudienceIds(appKey: string, name: string): string[];
	projectAudienceIds(projectKey: string, name: string): string[];
	/** Puts an audience in place (replacing one of the same name), its ids already indexed; no write is counted. */
	seedAppAudience(appKey: string, audience: { name: string; type: string; ids?: string[]; description?: string }): void;
	seedProjectAudience(projectKey: string, audience: { name: string; type?: string; ids?: string[]; displayName?: string }): void;
	/**
	 * After `n` more successful write calls (create, update, replace, delete; both families), every write
	 * answers `status` (default 400). `undefined` lifts it.
	 */
	failWritesAfter(n: number | undefined, status?: number): void;
	/** Forgets every audience, fault and write failure, empties the log, and puts the knobs back as started. */
	reset(): void;
}

export async function startBatchSandbox(options: BatchSandboxOptions = {}): Promise<BatchSandbox> {
	const startKnobs: BatchKnobs = { ...DEFAULT_BATCH_KNOBS, ...options.knobs };
	const knobs: BatchKnobs = { ...startKnobs };
	const store = new AudienceStore(() => knobs.indexingDelayMs);
	const writes = new WriteGate();
	const credentials = {
		restApiKey: options.restApiKey ?? BATCH_SANDBOX_REST_KEY,
		appKeys: new Set(options.appKeys ?? [BATCH_SANDBOX_APP_KEY]),
		projectKeys: new Set(options.projectKeys ?? [BATCH_SANDBOX_PROJECT_KEY]),
	};
	const context: BatchContext = { store, knobs, credentials, writes };

	const router = new Router();
	addCustomAudienceRoutes(router, context);
	addProfileAudienceRoutes(router, context);

	const server = await startSandboxServer({
		port: options.port,
		host: options.host,
		router,
		notFound: (req, res) =>
			sendBatchError(res, familyOfPath(req.path), batchErrors.routeNotFound(`No route for ${req.method} ${req.path}`), knobs.errorBodyStyle),
		faultBody,
	});

	const audienceIn = (scope: AudienceScope, name: string) => store.find(scope, name)?.audience;
	const sortedIds = (audience: SandboxAudience | undefined) => [...(audience?.ids.keys() ?? [])].sort();
	const knownKey = (keys: ReadonlySet<string>, key: string, what: string) => {
		if (!keys.has(key)) throw new Error(`Unknown ${what} "${key}": pass it in the sandbox options first`);
	};

	return {
		...server,
		knobs,
		restApiKey: credentials.restApiKey,
		appKeys: [...credentials.appKeys],
		projectKeys: [...credentials.projectKeys],
		appAudience: (appKey, name) => audienceIn(appScope(appKey), name),
		projectAudience: (projectKey, name) => audienceIn(projectScope(projectKey), name),
		appAudienceIds: (appKey, name) => sortedIds(audienceIn(appScope(appKey), name)),
		projectAudienceIds: (projectKey, name) => sortedIds(audienceIn(projectScope(projectKey), name)),
		seedAppAudience(appKey, audience) {
			knownKey(credentials.appKeys, appKey, 'app key');
			const knownTypes = Object.values(CUSTOM_AUDIENCE_TYPES).flat();
			if (!knownTypes.includes(audience.type)) throw new Error(`Per-app audience type must be one of ${knownTypes.join(', ')}`);
			const scope = appScope(appKey);
			store.delete(scope, audience.name);
			store.create(scope, audience);
		},
		seedProjectAudience(projectKey, audience) {
			knownKey(credentials.projectKeys, projectKey, 'project key');
			const scope = projectScope(projectKey);
			store.delete(scope, audience.name);
			store.create(scope, { ...audience, type: audience.type ?? 'custom_ids' });
		},
		failWritesAfter: (n, status) => writes.failAfter(n, status),
		reset() {
			store.clear();
			writes.reset();
			server.faults.clear();
			server.log.length = 0;
			Object.assign(knobs, startKnobs);
		},
	};
}

/** Printable lines: where the sandbox listens and which keys it accepts. */
export function describeBatchSandbox(sb: BatchSandbox): string[] {
	return [
		`Batch sandbox listening on ${sb.url}`,
		`  REST API key:  ${sb.restApiKey}`,
		`  App API keys:  ${sb.appKeys.join(', ')}`,
		`  Project keys:  ${sb.projectKeys.join(', ')}`,
		`  Custom Audience API: ${sb.url}/1.0/<app key>/custom-audience (1.1 for install_ids), header X-Authorization: <REST key>`,
		`  Audiences API: ${sb.url}/2.11/audiences/{create,update,replace,remove,list,view}, headers Authorization: Bearer <REST key> and X-Batch-Project: <project key>`,
		`  Knobs: ${Object.entries(sb.knobs)
			.map(([name, value]) => `${name}=${value}`)
			.join(', ')}`,
	];
}
