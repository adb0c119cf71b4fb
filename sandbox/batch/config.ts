/** Keys and knobs of the Batch sandbox: the credentials tests use and the behaviours they can switch. */

export const BATCH_SANDBOX_REST_KEY = 'sandbox-batch-rest-key';
/** A valid per-app API key (Live, Dev or SDK key in Batch's terms). */
export const BATCH_SANDBOX_APP_KEY = 'sandbox-batch-app-key';
/** A valid project key for the Audiences API 2.x. */
export const BATCH_SANDBOX_PROJECT_KEY = 'sandbox-batch-project-key';

export interface BatchKnobs {
	/**
	 * A write's indexing_token stays IN_PROGRESS this long, then APPLIED. `nb_ids` lags the same way:
	 * it shows the membership of the last write whose indexing is done (Batch indexes asynchronously,
	 * so a count read right after a write may be stale). 0 makes every write visible at once.
	 */
	indexingDelayMs: number;
	/** Elements allowed in one update or replace call (both families). */
	maxIdsPerCall: number;
	/** Status of per-app PATCH/PUT answers: the docs show both 200 and 202. */
	updateStatus: 200 | 202;
	/** `batch`: `{"error_code","error_message"}` JSON; `text`: a plain text body (the real format is unconfirmed). */
	errorBodyStyle: 'batch' | 'text';
	/** Highest `limit` the list routes accept; above it they answer an error. */
	listMaxLimit: number;
	/**
	 * Whether update/replace accept an empty `ids` array. Unconfirmed in the docs; off by default so a node
	 * that never sends empty calls is proven to work whichever way Batch behaves.
	 */
	allowEmptyIds: boolean;
}

export const DEFAULT_BATCH_KNOBS: Readonly<BatchKnobs> = Object.freeze({
	indexingDelayMs: 200,
	maxIdsPerCall: 10_000,
	updateStatus: 202,
	errorBodyStyle: 'batch',
	listMaxLimit: 100,
	allowEmptyIds: false,
});

/** Per-app audience types, by Custom Audience API version. */
export const CUSTOM_AUDIENCE_TYPES: Readonly<Record<string, readonly string[]>> = Object.freeze({
	'1.0': ['custom_ids', 'advertising_ids'],
	'1.1': ['install_ids'],
});

/** Project audience types the create route accepts (only `custom_ids` is documented). */
export const PROJECT_AUDIENCE_TYPES: readonly string[] = ['custom_ids'];

/** Max attributes on one id (documented for 2.x; assumed for 1.1, which shares the attribute model). */
export const MAX_ATTRIBUTES_PER_ID = 15;
