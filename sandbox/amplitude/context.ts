/** What every route handler shares: credentials, knobs and the sandbox's state. */
import type { AmplitudeKnobs } from './config';
import type { CohortStore } from './cohorts';
import type { ExportJobs } from './export-jobs';
import type { S3Links } from './s3';
import type { StoredFiles } from './stored-files';

export interface SandboxContext {
	apiKey: string;
	secretKey: string;
	appId: number;
	knobs: AmplitudeKnobs;
	cohorts: CohortStore;
	exports: ExportJobs;
	s3: S3Links;
	/** Export files already generated, served as S3 serves a stored object. */
	files: StoredFiles;
	/** Requests being answered right now, per API key (the concurrency limit counts these). */
	inFlight: Map<string, number>;
	/** Known once the server listens (links point back at it). */
	baseUrl(): string;
}
