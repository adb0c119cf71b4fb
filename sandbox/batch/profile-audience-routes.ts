/**
 * Audiences API 2.x (project level, "Profile"): `/2.<n>/audiences/{create,update,replace,remove,list,view}`.
 * Any 2.x version prefix is accepted (the docs show 2.1 to 2.11 for the same routes).
 */
import { authenticateProjectCall } from './auth';
import { PROJECT_AUDIENCE_TYPES } from './config';
import { batchRoute, guardedWrite, type BatchContext } from './context';
import { batchErrors } from './errors';
import { newIndexingToken, type IndexingState } from './indexing';
import { projectScope, type AudienceRecord, type AudienceScope } from './store';
import {
	InvalidRequest,
	decodeListCursor,
	encodeListCursor,
	jsonObjectBody,
	optionalString,
	parseListLimit,
	parseMemberEntries,
	parseMembershipChanges,
	validateAudienceName,
	type IdListRules,
} from './validation';
import { sendJson, type Router, type SandboxRequest } from '../shared/server';

/** The API names types in the singular upper case in its answers (`custom_ids` → `CUSTOM_ID`). */
const ANSWER_TYPES: Record<string, string> = { custom_ids: 'CUSTOM_ID', install_ids: 'INSTALL_ID', emails: 'EMAIL' };

export function addProfileAudienceRoutes(router: Router, context: BatchContext): void {
	const { store, knobs } = context;
	const route = (handler: Parameters<typeof batchRoute>[2]) => batchRoute('audiences', context, handler);
	const base = '/:version/audiences';

	const openCall = (req: SandboxRequest): AudienceScope => {
		if (!/^2\.\d+$/.test(req.params.version)) throw batchErrors.routeNotFound(`No Audiences API version "${req.params.version}"`);
		return projectScope(authenticateProjectCall(req, context.credentials));
	};

	const existing = (scope: AudienceScope, name: string): AudienceRecord => {
		const record = store.find(scope, name);
		if (!record) throw batchErrors.audienceNotFound(name);
		return record;
	};

	const idRules: () => IdListRules = () => ({
		maxIds: knobs.maxIdsPerCall,
		allowEmpty: knobs.allowEmptyIds,
		attributes: true,
		tags: false,
	});

	const answerToken = (res: Parameters<typeof sendJson>[0], token: string) => sendJson(res, 202, { indexing_token: token });

	router.add(
		'POST',
		`${base}/create`,
		route((req, res) => {
			const scope = openCall(req);
			const token = guardedWrite(context, () => {
				const body = jsonObjectBody(req);
				const name = validateAudienceName(body.name);
				const displayName = optionalString(body, 'display_name');
				if (body.type === undefined) throw new InvalidRequest('missing', '"type" is required ("custom_ids")');
				if (typeof body.type !== 'string' || !PROJECT_AUDIENCE_TYPES.includes(body.type)) {
					throw new InvalidRequest('malformed', `"type" must be one of ${PROJECT_AUDIENCE_TYPES.join(', ')} (got ${JSON.stringify(body.type)})`);
				}
				if (store.find(scope, name)) throw new InvalidRequest('malformed', `Audience "${name}" already exists`);
				return store.recordCreation(store.create(scope, { name, type: body.type, displayName }));
			});
			answerToken(res, token);
		}),
	);

	router.add(
		'POST',
		`${base}/update`,
		route((req, res) => {
			const scope = openCall(req);
			const token = guardedWrite(context, () => {
				const body = jsonObjectBody(req);
				const record = existing(scope, validateAudienceName(body.name));
				return store.update(record, parseMembershipChanges(body.ids, idRules()));
			});
			answerToken(res, token);
		}),
	);

	router.add(
		'POST',
		`${base}/replace`,
		route((req, res) => {
			const scope = openCall(req);
			const token = guardedWrite(context, () => {
				const body = jsonObjectBody(req);
				const record = existing(scope, validateAudienceName(body.name));
				return store.replace(record, parseMemberEntries(body.ids, idRules()));
			});
			answerToken(res, token);
		}),
	);

	// `remove` deletes the whole audience; removing ids is `update` with the `remove` action.
	router.add(
		'POST',
		`${base}/remove`,
		route((req, res) => {
			const scope = openCall(req);
			guardedWrite(context, () => {
				const name = validateAudienceName(jsonObjectBody(req).name);
				existing(scope, name);
				store.delete(scope, name);
			});
			answerToken(res, newIndexingToken());
		}),
	);

	router.add(
		'GET',
		`${base}/list`,
		route((req, res) => {
			const scope = openCall(req);
			const limit = parseListLimit(req.url.searchParams.get('limit'), knobs.listMaxLimit);
			const after = decodeListCursor(req.url.searchParams.get('from'));
			const all = store.newestFirst(scope);
			// The cursor remembers the last audience sent, so creations between pages shift nothing.
			const remaining = after === undefined ? all : all.filter((record) => record.order < after);
			const page = remaining.slice(0, limit);
			const hasMore = remaining.length > page.length;
			sendJson(res, 200, {
				audiences: page.map((record) => audienceAnswer(record, record.indexing.currentState())),
				...(after === undefined ? { count: all.length } : {}),
				has_more: hasMore,
				...(hasMore ? { next_from: encodeListCursor(page[page.length - 1].order) } : {}),
			});
		}),
	);

	router.add(
		'GET',
		`${base}/view`,
		route((req, res) => {
			const scope = openCall(req);
			const record = existing(scope, validateAudienceName(req.url.searchParams.get('name') ?? undefined));
			const token = req.url.searchParams.get('indexing_token');
			const state = token ? record.indexing.stateOf(token, true) : record.indexing.currentState();
			if (!state) throw new InvalidRequest('malformed', `Unknown indexing_token for audience "${record.audience.name}"`);
			sendJson(res, 200, audienceAnswer(record, state));
		}),
	);
}

function audienceAnswer(record: AudienceRecord, indexingState: IndexingState) {
	const { audience } = record;
	return {
		name: audience.name,
		display_name: audience.displayName ?? audience.name,
		type: ANSWER_TYPES[audience.type] ?? audience.type.toUpperCase(),
		nb_ids: record.indexing.visibleCount(),
		indexing_state: indexingState,
		created: audience.created,
		updated: audience.updated,
	};
}
