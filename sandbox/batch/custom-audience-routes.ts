/**
 * Custom Audience API 1.0 / 1.1 (per app): `/{version}/{BATCH_API_KEY}/custom-audience[/AUDIENCE_NAME]`.
 * 1.0 holds custom_ids and advertising_ids audiences, 1.1 install_ids ones; both versions see the same
 * audiences of an app, but each version writes only the types it supports.
 */
import { authenticateAppCall } from './auth';
import { CUSTOM_AUDIENCE_TYPES } from './config';
import { batchRoute, guardedWrite, type BatchContext } from './context';
import { batchErrors } from './errors';
import { appScope, type AudienceRecord, type AudienceScope } from './store';
import {
	InvalidRequest,
	jsonObjectBody,
	optionalString,
	parseListLimit,
	parseListOffset,
	parseMemberEntries,
	parseMembershipChanges,
	validateAudienceName,
	type IdListRules,
} from './validation';
import { sendJson, type Router, type SandboxRequest } from '../shared/server';

type CustomAudienceVersion = '1.0' | '1.1';

interface AppCall {
	version: CustomAudienceVersion;
	scope: AudienceScope;
}

export function addCustomAudienceRoutes(router: Router, context: BatchContext): void {
	const { store, knobs } = context;
	const route = (handler: Parameters<typeof batchRoute>[2]) => batchRoute('custom-audience', context, handler);
	const base = '/:version/:appKey/custom-audience';

	const openCall = (req: SandboxRequest): AppCall => {
		const { version, appKey } = req.params;
		if (version !== '1.0' && version !== '1.1') throw batchErrors.routeNotFound(`No Custom Audience API version "${version}"`);
		authenticateAppCall(req, appKey, context.credentials);
		return { version, scope: appScope(appKey) };
	};

	const existing = (scope: AudienceScope, name: string): AudienceRecord => {
		const record = store.find(scope, name);
		if (!record) throw batchErrors.audienceNotFound(name);
		return record;
	};

	const idRules = (version: CustomAudienceVersion): IdListRules => ({
		maxIds: knobs.maxIdsPerCall,
		allowEmpty: knobs.allowEmptyIds,
		attributes: version === '1.1',
		tags: version === '1.1',
	});

	router.add(
		'GET',
		base,
		route((req, res) => {
			const { scope } = openCall(req);
			const offset = parseListOffset(req.url.searchParams.get('from'));
			const limit = parseListLimit(req.url.searchParams.get('limit'), knobs.listMaxLimit);
			const page = store.newestFirst(scope).slice(offset, offset + limit);
			sendJson(res, 200, {
				custom_audiences: page.map(({ audience, indexing }) => ({
					name: audience.name,
					type: audience.type,
					description: audience.description ?? '',
					nb_ids: indexing.visibleCount(),
					created: audience.created,
					updated: audience.updated,
				})),
			});
		}),
	);

	router.add(
		'GET',
		`${base}/:name`,
		route((req, res) => {
			const { scope } = openCall(req);
			const record = existing(scope, validateAudienceName(req.params.name));
			const token = req.url.searchParams.get('indexing_token');
			const state = token ? record.indexing.stateOf(token, false) : record.indexing.currentState();
			if (!state) throw batchErrors.apiMisuse(`Unknown indexing_token for audience "${record.audience.name}"`);
			const { audience } = record;
			sendJson(res, 200, {
				name: audience.name,
				type: audience.type,
				description: audience.description ?? '',
				created: audience.created,
				updated: audience.updated,
				nb_ids: record.indexing.visibleCount(),
				indexing_state: state,
			});
		}),
	);

	router.add(
		'POST',
		`${base}/:name`,
		route((req, res) => {
			const { version, scope } = openCall(req);
			guardedWrite(context, () => {
				const name = validateAudienceName(req.params.name);
				// The 1.1 create body is unconfirmed: it may be empty, and then the only 1.1 type applies.
				const body = jsonObjectBody(req, version === '1.1');
				const type = body.type ?? (version === '1.1' ? 'install_ids' : undefined);
				if (type === undefined) throw new InvalidRequest('missing', '"type" is required (custom_ids or advertising_ids)');
				checkTypeForVersion(version, type);
				const description = optionalString(body, 'description');
				if (store.find(scope, name)) throw batchErrors.apiMisuse(`Audience "${name}" already exists`);
				store.recordCreation(store.create(scope, { name, type: type as string, description }));
			});
			sendJson(res, 200, {});
		}),
	);

	router.add(
		'PATCH',
		`${base}/:name`,
		route((req, res) => {
			const { version, scope } = openCall(req);
			const token = guardedWrite(context, () => {
				const body = jsonObjectBody(req);
				const record = existing(scope, validateAudienceName(req.params.name));
				checkTypeForVersion(version, record.audience.type);
				// Batch's 1.0 update docs mark `type` as required.
				if (version === '1.0' && body.type === undefined) {
					throw new InvalidRequest('missing', '"type" is required on 1.0 updates (custom_ids or advertising_ids)');
				}
				checkBodyTypeMatches(body.type, record);
				return store.update(record, parseMembershipChanges(body.ids, idRules(version)));
			});
			sendJson(res, knobs.updateStatus, { indexing_token: token });
		}),
	);

	router.add(
		'PUT',
		`${base}/:name`,
		route((req, res) => {
			const { version, scope } = openCall(req);
			const token = guardedWrite(context, () => {
				const body = jsonObjectBody(req);
				const record = existing(scope, validateAudienceName(req.params.name));
				checkTypeForVersion(version, record.audience.type);
				checkBodyTypeMatches(body.type, record);
				return store.replace(record, parseMemberEntries(body.ids, idRules(version)));
			});
			sendJson(res, knobs.updateStatus, { indexing_token: token });
		}),
	);

	router.add(
		'DELETE',
		`${base}/:name`,
		route((req, res) => {
			const { scope } = openCall(req);
			guardedWrite(context, () => {
				const name = validateAudienceName(req.params.name);
				existing(scope, name);
				store.delete(scope, name);
			});
			sendJson(res, 200, {});
		}),
	);
}

function checkTypeForVersion(version: CustomAudienceVersion, type: unknown): void {
	const accepted = CUSTOM_AUDIENCE_TYPES[version];
	if (typeof type !== 'string' || !accepted.includes(type)) {
		throw batchErrors.apiMisuse(
			`Custom Audience API ${version} only handles ${accepted.join(' and ')} audiences (got ${JSON.stringify(type)}): ` +
				'use 1.0 for custom_ids and advertising_ids, 1.1 for install_ids',
		);
	}
}

function checkBodyTypeMatches(type: unknown, record: AudienceRecord): void {
	if (type !== undefined && type !== record.audience.type) {
		throw batchErrors.apiMisuse(`"type" ${JSON.stringify(type)} does not match the audience's type "${record.audience.type}"`);
	}
}
