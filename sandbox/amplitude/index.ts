/**
 * The Amplitude sandbox: a loopback server speaking the Behavioral Cohorts API contract
 * (/work/shared/api/amplitude-cohorts.md), for tests and local development only.
 */
import { startSandboxServer, type RunningServer } from '../shared/server';
import { CohortStore } from './cohorts';
import {
	AMPLITUDE_SANDBOX_API_KEY,
	AMPLITUDE_SANDBOX_APP_ID,
	AMPLITUDE_SANDBOX_SECRET_KEY,
	DEFAULT_KNOBS,
	type AmplitudeKnobs,
	type CohortSpec,
} from './config';
import type { SandboxContext } from './context';
import { DEFAULT_COHORTS } from './default-cohorts';
import { storeExportFile } from './download';
import { ExportJobs, type ExportJob } from './export-jobs';
import type { CohortMember } from './members';
import { amplitudeRouter, notFound } from './routes';
import { S3Links } from './s3';
import type { StaticCohortState } from './static-cohorts';
import { StoredFiles } from './stored-files';

export {
	AMPLITUDE_SANDBOX_API_KEY,
	AMPLITUDE_SANDBOX_APP_ID,
	AMPLITUDE_SANDBOX_SECRET_KEY,
	DEFAULT_COHORTS,
	DEFAULT_KNOBS,
	type AmplitudeKnobs,
	type CohortMember,
	type CohortSpec,
	type ExportJob,
	type StaticCohortState,
};
export type { CohortSyncMetadata } from './config';

/** What a proxy that echoes credentials says: the decoded Basic pair, and the header as it came. */
function echoedCredentials(authorization: string | undefined): string {
	const encoded = /^Basic\s+(\S+)/i.exec(authorization ?? '')?.[1] ?? '';
	return `Invalid credentials: ${Buffer.from(encoded, 'base64').toString('utf8')} (Authorization: ${authorization ?? 'none'})`;
}

export interface AmplitudeSandboxOptions {
	port?: number;
	host?: string;
	apiKey?: string;
	secretKey?: string;
	/** Project id behind the API key (default AMPLITUDE_SANDBOX_APP_ID). */
	appId?: number;
	/** Default DEFAULT_COHORTS. */
	cohorts?: CohortSpec[];
	knobs?: Partial<AmplitudeKnobs>;
}

export interface AmplitudeSandbox extends RunningServer {
	apiKey: string;
	secretKey: string;
	appId: number;
	/** Mutable at any time. */
	knobs: AmplitudeKnobs;
	/** Adds or replaces a generated cohort. */
	setCohort(spec: CohortSpec): void;
	removeCohort(id: string): void;
	/**
	 * Recomputes cohorts as Amplitude does on its schedule: their lastComputed becomes `at` (default now, epoch
	 * ms) and cohorts with churn get their next revision. Default: every cohort. Returns the ids recomputed.
	 */
	recompute(options?: { ids?: string[]; at?: number; size?: number }): string[];
	/** The true membership now (streamed), for assertions. */
	members(cohortId: string): AsyncIterable<CohortMember>;
	/**
	 * Generates the export file of the cohort as it is now (no properties, the current knobs) and stores it,
	 * as a finished export leaves it on S3: the next exports of the unchanged cohort download it as bytes,
	 * with none of the sandbox's CPU spent on it (benchmarks call this before they measure).
	 */
	storeExportFile(cohortId: string): Promise<void>;
	/** Export files generated so far; a download of a stored file adds none. */
	readonly exportFilesGenerated: number;
	/** Export requests accepted by endpoint 2 (each one is metered by Amplitude). */
	readonly exportsStarted: number;
	/** Every accepted export, in order, with the props / propKeys it was asked for. */
	readonly exports: readonly ExportJob[];
	/** Cohorts created by upload and edited by membership. */
	readonly staticCohorts: ReadonlyMap<string, StaticCohortState>;
}

export async function startAmplitudeSandbox(options: AmplitudeSandboxOptions = {}): Promise<AmplitudeSandbox> {
	const cohorts = new CohortStore();
	for (const spec of options.cohorts ?? DEFAULT_COHORTS) cohorts.setCohort(spec);
	const exports = new ExportJobs();
	let baseUrl = '';
	const context: SandboxContext = {
		apiKey: options.apiKey ?? AMPLITUDE_SANDBOX_API_KEY,
		secretKey: options.secretKey ?? AMPLITUDE_SANDBOX_SECRET_KEY,
		appId: options.appId ?? AMPLITUDE_SANDBOX_APP_ID,
		knobs: { ...DEFAULT_KNOBS, ...options.knobs },
		cohorts,
		exports,
		s3: new S3Links(),
		files: new StoredFiles(),
		inFlight: new Map(),
		baseUrl: () => baseUrl,
	};
	const server = await startSandboxServer({
		port: options.port,
		host: options.host,
		router: amplitudeRouter(context),
		notFound,
		faultBody: (decision, req) => {
			if (decision.kind === 'rate-limit') return { error: 'Too many requests: exceeded the rate limit for this project. Retry later.' };
			if (decision.kind === 'credential-echo') return { error: echoedCredentials(req.headers.authorization) };
			return { error: 'Internal server error' };
		},
	});
	baseUrl = server.url;

	return {
		...server,
		apiKey: context.apiKey,
		secretKey: context.secretKey,
		appId: context.appId,
		get knobs() {
			return context.knobs;
		},
		set knobs(knobs: AmplitudeKnobs) {
			context.knobs = knobs;
		},
		setCohort: (spec) => cohorts.setCohort(spec),
		removeCohort: (id) => cohorts.removeCohort(id),
		recompute: ({ ids, at, size } = {}) => {
			const when = at ?? Date.now();
			return (ids ?? cohorts.ids()).filter((id) => cohorts.recompute(id, when, size));
		},
		members(cohortId) {
			const snapshot = cohorts.snapshot(cohortId);
			if (!snapshot) throw new Error(`No cohort ${cohortId} in the Amplitude sandbox`);
			return {
				async *[Symbol.asyncIterator]() {
					const members = snapshot.members();
					for (let next = members.next(); !next.done; next = members.next()) yield next.value;
				},
			};
		},
		async storeExportFile(cohortId) {
			const snapshot = cohorts.snapshot(cohortId);
			if (!snapshot) throw new Error(`No cohort ${cohortId} in the Amplitude sandbox`);
			const job: ExportJob = { requestId: 'stored', cohortId, apiKey: context.apiKey, props: false, propKeys: [], query: '', startedAt: 0, readyAt: 0, snapshot };
			await storeExportFile(job, context.knobs, context.files);
		},
		get exportFilesGenerated() {
			return context.files.generated;
		},
		get exportsStarted() {
			return exports.started;
		},
		get exports() {
			return exports.jobs;
		},
		staticCohorts: cohorts.staticCohorts,
	};
}

/** Lines for a terminal: where the sandbox listens and how to log in to it. */
export function describeAmplitudeSandbox(sandbox: Pick<AmplitudeSandbox, 'url' | 'apiKey' | 'secretKey' | 'appId'>): string[] {
	return [
		`URL:        ${sandbox.url}  (in place of https://amplitude.com)`,
		`API key:    ${sandbox.apiKey}`,
		`Secret key: ${sandbox.secretKey}`,
		`Project:    app_id ${sandbox.appId}`,
	];
}
