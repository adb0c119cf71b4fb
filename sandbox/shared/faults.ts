/**
 * Fault knobs shared by both sandboxes: rate limiting (429 + Retry-After; a "storm" is N in a row),
 * 5xx bursts, latency, and error answers that echo the credentials the request carried (as some proxies
 * and gateways do), for the next N requests or a fraction of them, optionally only for paths containing
 * a string. Fractions use a seeded generator so a failing test can be replayed.
 */
export type RetryAfterStyle = 'seconds' | 'date' | 'none';

export interface RateLimitFault {
	/** Answer 429 to the next N matching requests. */
	next?: number;
	/** Or answer 429 to this fraction (0..1) of matching requests. */
	fraction?: number;
	/** Seconds announced in Retry-After (default 1). */
	retryAfterSeconds?: number;
	/** How Retry-After is written: delta-seconds (default), an HTTP date, or left out. */
	retryAfterStyle?: RetryAfterStyle;
	/** Only requests whose path contains this string (default: all). */
	match?: string;
}

export interface ServerErrorFault {
	next?: number;
	fraction?: number;
	/** 500 by default; 502, 503 and 504 are the other retryable ones. */
	status?: number;
	match?: string;
}

/** An error answer whose body quotes the credentials of the request (keys, and auth headers as sent). */
export interface CredentialEchoFault {
	next?: number;
	fraction?: number;
	/** 401 by default. */
	status?: number;
	match?: string;
}

export interface FaultPlan {
	rateLimit?: RateLimitFault;
	credentialEcho?: CredentialEchoFault;
	serverErrors?: ServerErrorFault;
	/** Added before every answer. */
	latencyMs?: number;
}

export type FaultDecision =
	| { kind: 'rate-limit'; retryAfter?: string }
	| { kind: 'server-error'; status: number }
	| { kind: 'credential-echo'; status: number }
	| { kind: 'none' };

/** Mulberry32: a small seeded generator, good enough to spread faults evenly. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export class Faults {
	private plan: FaultPlan = {};

	private random = seededRandom(1);

	/** Replaces the current plan (counters included). */
	set(plan: FaultPlan, seed = 1): void {
		this.plan = structuredClone(plan);
		this.random = seededRandom(seed);
	}

	/** Adds to the current plan. */
	update(plan: FaultPlan): void {
		this.plan = { ...this.plan, ...structuredClone(plan) };
	}

	clear(): void {
		this.plan = {};
	}

	get latencyMs(): number {
		return this.plan.latencyMs ?? 0;
	}

	/** Decides the fate of one request; counts it against "next N" budgets. */
	decide(path: string): FaultDecision {
		const { rateLimit, serverErrors, credentialEcho } = this.plan;
		if (credentialEcho && this.hits(credentialEcho, path)) {
			return { kind: 'credential-echo', status: credentialEcho.status ?? 401 };
		}
		if (rateLimit && this.hits(rateLimit, path)) {
			return { kind: 'rate-limit', retryAfter: retryAfterValue(rateLimit) };
		}
		if (serverErrors && this.hits(serverErrors, path)) {
			return { kind: 'server-error', status: serverErrors.status ?? 500 };
		}
		return { kind: 'none' };
	}

	private hits(fault: { next?: number; fraction?: number; match?: string }, path: string): boolean {
		if (fault.match && !path.includes(fault.match)) return false;
		if (fault.next !== undefined && fault.next > 0) {
			fault.next--;
			return true;
		}
		return fault.fraction !== undefined && this.random() < fault.fraction;
	}
}

function retryAfterValue(fault: RateLimitFault): string | undefined {
	const seconds = fault.retryAfterSeconds ?? 1;
	switch (fault.retryAfterStyle ?? 'seconds') {
		case 'none':
			return undefined;
		case 'date':
			return new Date(Date.now() + seconds * 1000).toUTCString();
		default:
			return String(seconds);
	}
}
