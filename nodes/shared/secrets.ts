/**
 * Keeps keys out of anything shown to people: error messages, descriptions, output items, logs.
 * The per-app Batch API key travels in the URL path, and an API or a proxy may echo what it received
 * (a key in a message, a Basic auth header in base64), so every text is scrubbed of every form a key
 * can take: as is, URL-encoded, JSON-escaped, and base64 (alone, inside longer base64, and `key:secret`
 * as in a Basic auth header).
 */
const MASK = '***';

/** Secrets shorter than this are not masked: too short to be keys, and masking them would garble text. */
const MIN_SECRET_LENGTH = 4;

/** The error fields n8n keeps as they are: the node (shared with the workflow) and plain markers. */
const UNTOUCHED_ERROR_FIELDS = new Set(['node', 'timestamp', 'lineNumber', 'level', 'functionality', 'shouldReport']);

const formsCache = new Map<string, string[]>();

function usableSecrets(secrets: Array<string | undefined>): string[] {
	return [...new Set(secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH))];
}

function base64Variants(encoded: string, out: Set<string>): void {
	out.add(encoded);
	out.add(encoded.replace(/\+/g, '-').replace(/\//g, '_'));
	out.add(encodeURIComponent(encoded));
}

/**
 * The base64 characters that only the secret's bytes decide, for each of the three alignments it can have
 * inside a longer base64 text: masking them leaves at most a few bits of the secret visible.
 */
function base64Cores(bytes: Buffer, out: Set<string>): void {
	for (let offset = 0; offset < 3; offset++) {
		const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
		const core = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
		if (core.length >= MIN_SECRET_LENGTH) base64Variants(core, out);
	}
}

/** Every form of the secrets to look for, longest first (a form that contains another is masked whole). */
export function secretForms(secrets: Array<string | undefined>): string[] {
	const keys = usableSecrets(secrets);
	const cacheKey = keys.join('\u0000');
	const cached = formsCache.get(cacheKey);
	if (cached) return cached;
	const forms = new Set<string>();
	for (const key of keys) {
		forms.add(key);
		forms.add(encodeURIComponent(key));
		forms.add(JSON.stringify(key).slice(1, -1));
		const bytes = Buffer.from(key, 'utf8');
		base64Variants(bytes.toString('base64'), forms);
		base64Cores(bytes, forms);
		// Basic auth: base64 of "user:password" (Amplitude's API key and secret key).
		for (const other of keys) {
			if (other !== key) base64Variants(Buffer.from(`${key}:${other}`, 'utf8').toString('base64'), forms);
		}
	}
	const ordered = [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
	if (formsCache.size > 100) formsCache.clear();
	formsCache.set(cacheKey, ordered);
	return ordered;
}

export function scrubText(text: string, secrets: Array<string | undefined>): string {
	let scrubbed = text;
	for (const form of secretForms(secrets)) {
		if (scrubbed.includes(form)) scrubbed = scrubbed.split(form).join(MASK);
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

/**
 * A scrubbed copy of anything an error may hold (API bodies, HTTP client errors, class instances): plain
 * data, with errors reduced to name and message, cycles cut, and keys (object property names) scrubbed too.
 */
function scrubDeep(value: unknown, secrets: Array<string | undefined>, seen: WeakSet<object>, depth: number): unknown {
	if (typeof value === 'string') return scrubText(value, secrets);
	if (!value || typeof value !== 'object') return value;
	if (seen.has(value) || depth > 8) return '[…]';
	seen.add(value);
	if (Array.isArray(value)) return value.map((entry) => scrubDeep(entry, secrets, seen, depth + 1));
	if (value instanceof Error) {
		return { name: value.name, message: scrubText(String(value.message), secrets) };
	}
	if (Buffer.isBuffer(value)) return scrubText(value.toString('utf8'), secrets);
	const copy: Record<string, unknown> = {};
	for (const [key, entry] of Object.entries(value)) {
		if (typeof entry === 'function') continue;
		copy[scrubText(key, secrets)] = scrubDeep(entry, secrets, seen, depth + 1);
	}
	return copy;
}

/**
 * Scrubs, in place, every field of an error that n8n shows or saves (NodeApiError copies the raw answer
 * into `errorResponse`, `messages`, `description`, `context`): all own properties, enumerable or not,
 * except the node. The cause is an HTTP client error holding the request config (URL with the key,
 * auth headers): it is dropped, not scrubbed.
 */
export function scrubError<E extends Error>(error: E, secrets: Array<string | undefined>): E {
	if (usableSecrets(secrets).length === 0) return error;
	const fields = error as unknown as Record<string, unknown>;
	for (const name of Object.getOwnPropertyNames(error)) {
		if (UNTOUCHED_ERROR_FIELDS.has(name)) continue;
		const descriptor = Object.getOwnPropertyDescriptor(error, name);
		if (!descriptor || !('value' in descriptor) || !descriptor.writable) continue;
		if (name === 'cause') {
			if (descriptor.value !== undefined) fields.cause = undefined;
			continue;
		}
		const value = descriptor.value as unknown;
		if (typeof value === 'string') fields[name] = scrubText(value, secrets);
		else if (value && typeof value === 'object') fields[name] = scrubDeep(value, secrets, new WeakSet(), 0);
	}
	// Some engines keep the stack behind an accessor, which the loop above leaves alone.
	if (typeof error.stack === 'string') error.stack = scrubText(error.stack, secrets);
	return error;
}
