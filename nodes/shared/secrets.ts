/**
 * Keeps keys out of anything shown to people: error messages, descriptions, output items, logs.
 * The per-app Batch API key travels in the URL path, so any URL or message may carry it.
 */
const MASK = '***';

/** Secrets shorter than this are not masked: too short to be keys, and masking them would garble text. */
const MIN_SECRET_LENGTH = 4;

export function scrubText(text: string, secrets: Array<string | undefined>): string {
	let scrubbed = text;
	// Longest first: a key that contains another must be masked whole, not left with a visible remainder.
	const ordered = secrets.filter((secret): secret is string => !!secret).sort((a, b) => b.length - a.length);
	for (const secret of ordered) {
		if (secret.length < MIN_SECRET_LENGTH) continue;
		scrubbed = scrubbed.split(secret).join(MASK);
		const encoded = encodeURIComponent(secret);
		if (encoded !== secret) scrubbed = scrubbed.split(encoded).join(MASK);
	}
	return scrubbed;
}

/** Deep copy of a JSON-like value with every string scrubbed. */
export function scrubValue<T>(value: T, secrets: Array<string | undefined>): T {
	if (typeof value === 'string') return scrubText(value, secrets) as T;
	if (Array.isArray(value)) return value.map((entry) => scrubValue(entry, secrets)) as T;
	if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
		const copy: Record<string, unknown> = {};
		for (const [key, entry] of Object.entries(value)) copy[key] = scrubValue(entry, secrets);
		return copy as T;
	}
	return value;
}

/** Scrubs, in place, the fields of an n8n error (NodeApiError / NodeOperationError) that the editor shows. */
export function scrubError<E extends Error>(error: E, secrets: Array<string | undefined>): E {
	const shown = error as E & { description?: string | null; context?: object; stack?: string; cause?: unknown };
	shown.message = scrubText(shown.message, secrets);
	if (typeof shown.description === 'string') shown.description = scrubText(shown.description, secrets);
	if (shown.context) shown.context = scrubValue(shown.context, secrets);
	if (shown.stack) shown.stack = scrubText(shown.stack, secrets);
	// The cause is an HTTP client error holding the request config (URL with the key): never keep it.
	if (shown.cause !== undefined) shown.cause = undefined;
	return error;
}
