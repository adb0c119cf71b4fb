/** Who may call: the company REST API key, plus a known app key (1.x) or project key (2.x). */
import { batchErrors } from './errors';
import type { SandboxRequest } from '../shared/server';

export interface BatchCredentials {
	restApiKey: string;
	appKeys: ReadonlySet<string>;
	projectKeys: ReadonlySet<string>;
}

/**
 * Custom Audience API: `X-Authorization: <REST key>` and the app key in the path. An unknown app key is a
 * 401 AUTHENTICATION_INVALID like a wrong REST key: Batch authenticates the pair, and a 404 would read as a
 * missing audience to a client that creates audiences on 404.
 */
export function authenticateAppCall(req: SandboxRequest, appKey: string, credentials: BatchCredentials): void {
	const restKey = req.headers['x-authorization'];
	if (restKey === undefined || restKey === '') {
		throw batchErrors.authenticationInvalid('Missing X-Authorization header: send the company REST API key');
	}
	if (restKey !== credentials.restApiKey) throw batchErrors.authenticationInvalid('Invalid REST API key');
	if (!credentials.appKeys.has(appKey)) throw batchErrors.authenticationInvalid('Invalid API key: no app has this Live, Dev or SDK key');
}

/** Audiences API 2.x: `Authorization: Bearer <REST key>` and `X-Batch-Project: <project key>`; 401 otherwise. */
export function authenticateProjectCall(req: SandboxRequest, credentials: BatchCredentials): string {
	const authorization = req.headers.authorization ?? '';
	const bearer = /^Bearer\s+(.+)$/i.exec(authorization);
	if (!bearer) throw batchErrors.authenticationInvalid('Missing "Authorization: Bearer <REST API key>" header');
	if (bearer[1].trim() !== credentials.restApiKey) throw batchErrors.authenticationInvalid('The REST API key is not valid for this project');
	const projectKey = req.headers['x-batch-project'];
	if (typeof projectKey !== 'string' || projectKey === '') throw batchErrors.authenticationInvalid('Missing X-Batch-Project header');
	if (!credentials.projectKeys.has(projectKey)) throw batchErrors.authenticationInvalid('The REST API key is not valid for this project');
	return projectKey;
}
