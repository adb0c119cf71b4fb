/**
 * The sandbox's vocabulary: what a cohort is made of (CohortSpec) and the knobs that let tests
 * choose between the behaviours the contract leaves open or that only show up in production.
 */

export const AMPLITUDE_SANDBOX_API_KEY = 'sandbox-amplitude-api-key';
export const AMPLITUDE_SANDBOX_SECRET_KEY = 'sandbox-amplitude-secret-key';
/** The project id behind the sandbox's API key (uploads must name it as `app_id`). */
export const AMPLITUDE_SANDBOX_APP_ID = 187520;

/** One entry of `syncMetadata` (list with `includeSyncInfo=true`). */
export interface CohortSyncMetadata {
	target: string;
	frequency: string;
	last_successful: string | null;
	last_failure: string | null;
	params: Record<string, unknown>;
}

export interface CohortSpec {
	id: string;
	name: string;
	/** Up to 2,000,000 members. */
	size: number;
	/** Same seed => same members; defaults to a hash of `id`. Two specs with one seed share their first members. */
	seed?: number;
	/** Share of members with user_id "" (default 0.1). */
	anonymousRatio?: number;
	/** Property name -> values picked deterministically per member (default: see DEFAULT_PROPERTIES). */
	properties?: Record<string, string[]>;
	/** Revision r > 0 with churn f: each revision replaces round(size * f) members by new ones. */
	revision?: number;
	churn?: number;
	archived?: boolean;
	published?: boolean;
	finished?: boolean;
	description?: string | null;
	owners?: string[];
	type?: string;
	/** Epoch; a value above 1e11 is read as milliseconds, otherwise seconds (the contract's own rule). */
	lastComputed?: number;
	syncMetadata?: CohortSyncMetadata[];
}

export interface AmplitudeKnobs {
	/** How long request-status stays 202 "JOB INPROGRESS" after an export starts. */
	exportDurationMs: number;
	/** /file answers 200 with the body up to this many members, else 302 to the S3 path. */
	directDownloadMaxMembers: number;
	/** Lifetime of a pre-signed S3 link (Amplitude: one minute). */
	s3LinkTtlMs: number;
	/** The next N S3 links handed out are already expired when used. */
	expireNextS3Links: number;
	/** How long /file keeps answering for a finished export (Amplitude: seven days). */
	fileUrlTtlMs: number;
	/** 'header': gzip + Content-Encoding; 'magic-only': gzip bytes, no header; 'none': plain CSV. */
	gzip: 'header' | 'magic-only' | 'none';
	/** The next N downloads (direct or S3) are cut (socket destroyed) after `resetAfterBytes` body bytes. */
	resetNextDownloads: number;
	resetAfterBytes: number;
	/**
	 * The next N downloads end cleanly at the HTTP level after `cutAtPercent`% of their body bytes, as a
	 * proxy or S3 cutting the object would: a gzip body loses its end and its trailer (CRC, length).
	 */
	cutNextDownloads: number;
	cutAtPercent: number;
	/**
	 * With cutNextDownloads: cut the CSV itself at the last line end before `cutAtPercent`%, then encode it
	 * whole (a gzip with a valid trailer): a short but well-formed file, like an object stored truncated.
	 */
	cutAtLineEnd: boolean;
	/** The next N downloads send `stallAtPercent`% of their body, then stop sending without closing. */
	stallNextDownloads: number;
	stallAtPercent: number;
	/**
	 * How a download body is framed: 'chunked' (Node's default), 'content-length' (measured first), or
	 * 'close' (neither: the body ends when the socket closes, as HTTP/1.0-style proxies do).
	 */
	downloadFraming: 'chunked' | 'content-length' | 'close';
	/** When set, /file redirects to this origin instead of the sandbox's own S3 path (redirect-policy tests). */
	redirectOrigin?: string;
	/** Concurrent /api requests per API key beyond which the answer is 429. */
	concurrencyLimit: number;
	/**
	 * Requests other tools of the same project keep in flight (the limit is shared with the Dashboard REST
	 * API): they count against `concurrencyLimit` as if they were running.
	 */
	busyRequests: number;
	/** Status for an export of an unknown cohort (UNCONFIRMED in the contract). */
	unknownCohortStatus: 400 | 404;
	/** Unit of lastMod / createdAt / lastComputed in the cohort list (UNCONFIRMED). */
	timestampUnit: 'seconds' | 'milliseconds';
	/** Property column headers "country" or "gp:country" (UNCONFIRMED). */
	propertyHeaderStyle: 'plain' | 'gp-prefix';
	/** The next N polls answer 200 with `failedExportStatus` and the job stays failed. */
	failNextExports: number;
	failedExportStatus: string;
	/** Field naming the cohort in the upload answer: current docs `cohortId`, older docs `cohort_id`. */
	uploadIdField: 'cohortId' | 'cohort_id';
	/** Single-cohort request limits (Amplitude: 60 per 10 minutes, 4 running at once); 0 = not enforced. */
	exportRequestsPer10Minutes: number;
	parallelExportLimit: number;
	/** Exports other tools of the same project keep running: they count against `parallelExportLimit`. */
	busyExports: number;
}

export const DEFAULT_KNOBS: AmplitudeKnobs = {
	exportDurationMs: 1000,
	directDownloadMaxMembers: 1000,
	s3LinkTtlMs: 60_000,
	expireNextS3Links: 0,
	fileUrlTtlMs: 7 * 24 * 3600 * 1000,
	gzip: 'header',
	resetNextDownloads: 0,
	resetAfterBytes: 16_384,
	cutNextDownloads: 0,
	cutAtPercent: 50,
	cutAtLineEnd: false,
	stallNextDownloads: 0,
	stallAtPercent: 50,
	downloadFraming: 'chunked',
	concurrencyLimit: 5,
	busyRequests: 0,
	unknownCohortStatus: 404,
	timestampUnit: 'seconds',
	propertyHeaderStyle: 'plain',
	failNextExports: 0,
	failedExportStatus: 'JOB FAILED',
	uploadIdField: 'cohortId',
	exportRequestsPer10Minutes: 0,
	parallelExportLimit: 0,
	busyExports: 0,
};

/** Values chosen so a CSV reader meets commas, quotes, a newline, accents and empty fields. */
export const DEFAULT_PROPERTIES: Record<string, string[]> = {
	country: ['United States', 'France', 'Germany', 'Japan', 'Brazil', 'Korea, Republic of', "Côte d'Ivoire"],
	plan: ['free', 'starter', 'pro', 'enterprise', 'team "plus"'],
	'favorite color': ['red', 'blue', 'green', 'sea\ngreen', ''],
};

export const MAX_COHORT_SIZE = 2_000_000;
export const MAX_IDS_PER_REQUEST = 100_000;
