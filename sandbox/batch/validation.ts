/**
 * Request validation shared by both API families. Problems are thrown as `InvalidRequest`; each family
 * turns them into its own error (API_MISUSE in 1.x, MISSING_/MALFORMED_PARAMETER in 2.x).
 */
import { MAX_ATTRIBUTES_PER_ID } from './config';
import { batchErrors } from './errors';
import type { MemberEntry, MembershipChange } from './store';
import type { SandboxRequest } from '../shared/server';

export class InvalidRequest extends Error {
	constructor(
		readonly kind: 'missing' | 'malformed',
		message: string,
	) {
		super(message);
	}
}

const missing = (message: string) => new InvalidRequest('missing', message);
const malformed = (message: string) => new InvalidRequest('malformed', message);

const AUDIENCE_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

export function validateAudienceName(name: unknown): string {
	if (name === undefined || name === null || name === '') throw missing('"name" is required');
	if (typeof name !== 'string' || !AUDIENCE_NAME.test(name)) {
		throw malformed('Audience name must be 1 to 255 characters among a-z, A-Z, 0-9, "_" and "-"');
	}
	return name;
}

/**
 * The JSON object body of a write. Batch requires `Content-Type: application/json`; a body that does not
 * parse is a MALFORMED_JSON_BODY in both families. `optional` lets an empty body count as `{}`.
 */
export function jsonObjectBody(req: SandboxRequest, optional = false): Record<string, unknown> {
	if (req.rawBody.length === 0) {
		if (optional) return {};
		throw missing('A JSON body is required');
	}
	const contentType = String(req.headers['content-type'] ?? '');
	if (!/^application\/json\b/i.test(contentType)) {
		throw batchErrors.malformedJsonBody(`Content-Type must be application/json (got "${contentType}")`);
	}
	if (req.jsonError !== undefined) throw batchErrors.malformedJsonBody(`The body is not valid JSON: ${req.jsonError}`);
	if (typeof req.json !== 'object' || req.json === null || Array.isArray(req.json)) {
		throw batchErrors.malformedJsonBody('The body must be a JSON object');
	}
	return req.json as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
	const value = body[field];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') throw malformed(`"${field}" must be a string`);
	return value;
}

export interface IdListRules {
	maxIds: number;
	allowEmpty: boolean;
	/** Whether `attributes` may ride on added ids. */
	attributes: boolean;
	/** Whether `tags` may ride on added ids (Custom Audience API 1.1 only). */
	tags: boolean;
}

/** `ids` of an update: `[{action: "add"|"remove", id, attributes?, tags?}]`; extras only with `add`. */
export function parseMembershipChanges(ids: unknown, rules: IdListRules): MembershipChange[] {
	return checkedIdList(ids, rules).map((item, index) => {
		const where = `ids[${index}]`;
		const action = item.action;
		if (action === undefined) throw missing(`${where}.action is required`);
		if (action !== 'add' && action !== 'remove') throw malformed(`${where}.action must be "add" or "remove"`);
		const change: MembershipChange = { action, id: memberId(item, where) };
		if (action === 'remove') {
			if (item.attributes !== undefined) throw malformed(`${where}: attributes are only accepted with the "add" action`);
			if (item.tags !== undefined) throw malformed(`${where}: tags are only accepted with the "add" action`);
			return change;
		}
		return { ...change, ...memberExtras(item, where, rules) };
	});
}

/** `ids` of a replace: `[{id, attributes?, tags?}]`. */
export function parseMemberEntries(ids: unknown, rules: IdListRules): MemberEntry[] {
	return checkedIdList(ids, rules).map((item, index) => {
		const where = `ids[${index}]`;
		return { id: memberId(item, where), ...memberExtras(item, where, rules) };
	});
}

function checkedIdList(ids: unknown, rules: IdListRules): Array<Record<string, unknown>> {
	if (ids === undefined || ids === null) throw missing('"ids" is required');
	if (!Array.isArray(ids)) throw malformed('"ids" must be an array');
	if (ids.length === 0 && !rules.allowEmpty) throw malformed('"ids" must not be empty');
	if (ids.length > rules.maxIds) {
		throw malformed(`"ids" supports up to ${rules.maxIds} elements per call (got ${ids.length}): make several calls`);
	}
	ids.forEach((item, index) => {
		if (typeof item !== 'object' || item === null || Array.isArray(item)) throw malformed(`ids[${index}] must be an object`);
	});
	return ids as Array<Record<string, unknown>>;
}

function memberId(item: Record<string, unknown>, where: string): string {
	const id = item.id;
	if (id === undefined || id === null) throw missing(`${where}.id is required`);
	if (typeof id !== 'string' || id === '') throw malformed(`${where}.id must be a non-empty string`);
	return id;
}

function memberExtras(item: Record<string, unknown>, where: string, rules: IdListRules): Pick<MembershipChange, 'attributes' | 'tags'> {
	const extras: Pick<MembershipChange, 'attributes' | 'tags'> = {};
	if (item.attributes !== undefined) {
		if (!rules.attributes) throw malformed(`${where}: attributes are not accepted by this API version`);
		extras.attributes = validateAttributes(item.attributes, where);
	}
	if (item.tags !== undefined) {
		if (!rules.tags) throw malformed(`${where}: tags are not accepted by this API version`);
		extras.tags = validateTags(item.tags, where);
	}
	return extras;
}

/** Plain names, or `date(name)` / `url(name)` for typed values, as in Batch's attribute model. */
const ATTRIBUTE_KEY = /^(?:(date|url)\(([a-zA-Z0-9_]{1,30})\)|([a-zA-Z0-9_]{1,30}))$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;
const MAX_STRING_LENGTH = 300;
const MAX_ARRAY_ITEMS = 25;

/** Supported value types: String, Number/Float, Date, Url, Array (of strings); at most 15 per id. */
export function validateAttributes(attributes: unknown, where: string): Record<string, unknown> {
	if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
		throw malformed(`${where}.attributes must be an object`);
	}
	const entries = Object.entries(attributes as Record<string, unknown>);
	if (entries.length > MAX_ATTRIBUTES_PER_ID) {
		throw malformed(`${where}.attributes supports up to ${MAX_ATTRIBUTES_PER_ID} elements (got ${entries.length})`);
	}
	for (const [key, value] of entries) {
		const at = `${where}.attributes["${key}"]`;
		const parsed = ATTRIBUTE_KEY.exec(key);
		if (!parsed) throw malformed(`${at}: attribute names are 1 to 30 letters, digits or "_", optionally wrapped in date() or url()`);
		const typed = parsed[1];
		if (typed === 'date') {
			if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value))) {
				throw malformed(`${at} must be an ISO 8601 date string`);
			}
		} else if (typed === 'url') {
			if (typeof value !== 'string' || value.length > 2048 || !isAbsoluteUrl(value)) throw malformed(`${at} must be an absolute URL`);
		} else {
			checkPlainValue(value, at);
		}
	}
	return attributes as Record<string, unknown>;
}

function checkPlainValue(value: unknown, at: string): void {
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) throw malformed(`${at} must be a finite number`);
		return;
	}
	if (typeof value === 'string') {
		if (value.length > MAX_STRING_LENGTH) throw malformed(`${at} is longer than ${MAX_STRING_LENGTH} characters`);
		return;
	}
	if (Array.isArray(value)) {
		if (value.length > MAX_ARRAY_ITEMS) throw malformed(`${at} holds more than ${MAX_ARRAY_ITEMS} items`);
		if (!value.every((item) => typeof item === 'string' && item.length <= MAX_STRING_LENGTH)) {
			throw malformed(`${at} must be an array of strings of at most ${MAX_STRING_LENGTH} characters`);
		}
		return;
	}
	throw malformed(`${at} has an unsupported type (${value === null ? 'null' : typeof value}): use a string, number, date, url or array`);
}

function isAbsoluteUrl(value: string): boolean {
	try {
		return /^[a-z][a-z0-9+.-]*:$/i.test(new URL(value).protocol);
	} catch {
		return false;
	}
}

function validateTags(tags: unknown, where: string): string[] {
	if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && tag !== '')) {
		throw malformed(`${where}.tags must be an array of non-empty strings`);
	}
	return tags as string[];
}

/**
 * `limit` of a list call: default 10, at most `max`. Above the maximum it is an error rather than a silent
 * clamp: a client that asked for more and stops at the first short page would otherwise miss audiences.
 */
export function parseListLimit(value: string | null, max: number): number {
	if (value === null || value === '') return 10;
	const limit = Number(value);
	if (!Number.isInteger(limit) || limit < 1) throw malformed('"limit" must be a positive integer');
	if (limit > max) throw malformed(`"limit" must be at most ${max} (got ${limit})`);
	return limit;
}

/** `from` of the 1.x list: an offset, default 0. */
export function parseListOffset(value: string | null): number {
	if (value === null || value === '') return 0;
	const offset = Number(value);
	if (!Number.isInteger(offset) || offset < 0) throw malformed('"from" must be a non-negative integer offset');
	return offset;
}

/** 2.x list cursors are opaque to clients; inside they hold the creation order of the last audience sent. */
export function encodeListCursor(order: number): string {
	return Buffer.from(`after:${order}`).toString('base64url');
}

export function decodeListCursor(value: string | null): number | undefined {
	if (value === null || value === '') return undefined;
	const match = /^after:(\d+)$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
	if (!match) throw malformed('"from" is not a cursor returned as "next_from" by a previous call');
	return Number(match[1]);
}
