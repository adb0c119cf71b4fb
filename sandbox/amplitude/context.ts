/** What every route handler shares: credentials, knobs and the sandbox's state. */
import type { AmplitudeKnobs } from './config';
import type { CohortStore } from './cohorts';
import type { ExportJobs } from './export-jobs';
import type { S3Links } from './s3';

export interface SandboxContext {
	apiKey: string;
	secretKey: string;
	appId: number;
	knobs: AmplitudeKnobs;
	cohorts: CohortStore;
	exports: ExportJobs;
	s3: S3Links;
	/** Requests being answered right now, per API key (the concurrency limit counts these). */
	inFlight: Map<string, number>;
	/** Known once the server listens (links point back at it). */
	baseUrl(): string;
}
