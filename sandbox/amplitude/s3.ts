/**
 * A stand-in for Amazon S3 pre-signed GET links, served by the same server under /s3/. Like S3, it
 * needs no Basic auth, refuses a request that also carries an Authorization header, and refuses an
 * expired link with its XML error.
 */
import { createHmac, randomBytes } from 'node:crypto';

import type { ExportJob } from './export-jobs';

interface IssuedLink {
	requestId: string;
	path: string;
	expiresAt: number;
	ttlSeconds: number;
}

export type LinkCheck = { ok: true; requestId: string } | { ok: false; status: number; xml: string };

const BUCKET = 'amplitude-cohort-exports-sandbox';
const CREDENTIAL_ID = 'ASIASANDBOXCOHORTEXP';

function amzDate(ms: number): string {
	return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function xmlEscape(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function s3ErrorXml(code: string, message: string, extra: Record<string, string> = {}): string {
	const details = Object.entries(extra)
		.map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
		.join('');
	const requestId = randomBytes(8).toString('hex').toUpperCase();
	return (
		'<?xml version="1.0" encoding="UTF-8"?>\n' +
		`<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${details}` +
		`<RequestId>${requestId}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`
	);
}

export class S3Links {
	private readonly signingKey = randomBytes(32);

	private readonly links = new Map<string, IssuedLink>();

	/** A fresh link for a finished export; `alreadyExpired` models a link used too late. */
	issue(baseUrl: string, appId: number, job: ExportJob, ttlMs: number, alreadyExpired: boolean, gzipped: boolean): string {
		this.forgetExpired();
		const now = Date.now();
		const ttlSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
		const path = `/s3/${BUCKET}/${appId}/${job.cohortId}/${job.requestId}.csv${gzipped ? '.gz' : ''}`;
		const date = amzDate(now);
		const signature = createHmac('sha256', this.signingKey).update(`${path}\n${date}\n${randomBytes(8).toString('hex')}`).digest('hex');
		this.links.set(signature, { requestId: job.requestId, path, expiresAt: alreadyExpired ? now - 1 : now + ttlMs, ttlSeconds });
		const query = new URLSearchParams({
			'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
			'X-Amz-Credential': `${CREDENTIAL_ID}/${date.slice(0, 8)}/us-west-2/s3/aws4_request`,
			'X-Amz-Date': date,
			'X-Amz-Expires': String(ttlSeconds),
			'X-Amz-SignedHeaders': 'host',
			'X-Amz-Signature': signature,
		});
		return `${baseUrl}${path}?${query.toString()}`;
	}

	check(path: string, query: URLSearchParams, authorization: string | undefined): LinkCheck {
		const signature = query.get('X-Amz-Signature');
		if (authorization !== undefined) {
			return {
				ok: false,
				status: 400,
				xml: s3ErrorXml(
					'InvalidArgument',
					'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
					{ ArgumentName: 'Authorization', ArgumentValue: authorization.split(' ')[0] ?? '' },
				),
			};
		}
		if (!signature || !query.get('X-Amz-Algorithm')) {
			return { ok: false, status: 403, xml: s3ErrorXml('AccessDenied', 'Access Denied') };
		}
		const link = this.links.get(signature);
		if (!link || link.path !== path) {
			return {
				ok: false,
				status: 403,
				xml: s3ErrorXml('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'),
			};
		}
		const now = Date.now();
		if (now >= link.expiresAt) {
			return {
				ok: false,
				status: 403,
				xml: s3ErrorXml('AccessDenied', 'Request has expired', {
					'X-Amz-Expires': String(link.ttlSeconds),
					Expires: new Date(link.expiresAt).toISOString(),
					ServerTime: new Date(now).toISOString(),
				}),
			};
		}
		return { ok: true, requestId: link.requestId };
	}

	/** Keeps the table small in long dev sessions; an expired link is still recognised for an hour. */
	private forgetExpired(): void {
		const cutoff = Date.now() - 3600 * 1000;
		for (const [signature, link] of this.links) if (link.expiresAt < cutoff) this.links.delete(signature);
	}
}
