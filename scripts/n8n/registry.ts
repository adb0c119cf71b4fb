/**
 * A private npm registry on loopback for the community-package install test: Verdaccio (installed once into
 * the cache folder by install-verdaccio.sh), with no uplinks, so it serves only what the test publishes.
 *
 * n8n (1.x and 2.x alike) refuses any registry but https://registry.npmjs.org without an enterprise licence
 * (CommunityPackagesService.getNpmRegistry: N8N_COMMUNITY_PACKAGES_REGISTRY needs the licence feature
 * "feat:communityNodes:customRegistry"), and it passes `--registry=https://registry.npmjs.org` on every npm
 * command line, where no .npmrc can override it. So n8n keeps its default registry and reaches it the way a
 * company network does: through an HTTPS proxy (HTTPS_PROXY, honoured by n8n's HTTP client and by npm) that
 * presents a certificate for registry.npmjs.org from a private CA (NODE_EXTRA_CA_CERTS). The proxy is on
 * loopback and answers registry.npmjs.org from Verdaccio; every other host is refused and recorded.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

import { startProcess, waitFor, type RunningProcess } from './processes';
import { freePort } from './runtime';

export const NPMJS_HOST = 'registry.npmjs.org';

/** Installs Verdaccio once (about half a minute the first time); returns its folder. */
export function ensureVerdaccioInstalled(): string {
	return execFileSync('bash', [path.join(__dirname, 'install-verdaccio.sh')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	}).trim();
}

export interface LocalRegistry {
	/** Verdaccio's own address, e.g. http://127.0.0.1:4873. */
	url: string;
	/** A token of the registry's one user, allowed to publish. */
	token: string;
	/** `npm publish` of a tarball or package folder to this registry. */
	publish(tarballOrFolder: string): void;
	/** The versions the registry holds of a package. */
	versions(name: string): Promise<string[]>;
	process: RunningProcess;
	stop(): Promise<void>;
}

/** Verdaccio on 127.0.0.1, a free port, storage in a temporary folder, no uplinks (offline). */
export async function startLocalRegistry(options: { publicUrl?: string } = {}): Promise<LocalRegistry> {
	const prefix = ensureVerdaccioInstalled();
	const dir = mkdtempSync(path.join(tmpdir(), 'verdaccio-'));
	const port = await freePort();
	mkdirSync(path.join(dir, 'storage'));
	const config = path.join(dir, 'config.yaml');
	writeFileSync(
		config,
		[
			`storage: ${path.join(dir, 'storage')}`,
			'auth:',
			'  htpasswd:',
			`    file: ${path.join(dir, 'htpasswd')}`,
			'    max_users: 1',
			// No `uplinks:`: a package not published here is a 404, never a fetch from the internet.
			'packages:',
			"  '**':",
			'    access: $all',
			'    publish: $authenticated',
			'web:',
			'  enable: false',
			'log: { type: stdout, format: pretty, level: warn }',
			'',
		].join('\n'),
	);
	const url = `http://127.0.0.1:${port}`;
	const registry = startProcess('verdaccio', process.execPath, [path.join(prefix, 'node_modules/verdaccio/bin/verdaccio'), '--config', config, '--listen', `127.0.0.1:${port}`], {
		// Tarball links in the metadata: what the client asked through (the proxy's registry.npmjs.org).
		env: { ...process.env, ...(options.publicUrl ? { VERDACCIO_PUBLIC_URL: options.publicUrl } : {}) },
	});
	const stop = async () => {
		await registry.stop();
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		await waitFor(
			'Verdaccio to answer',
			async () => {
				if (registry.child.exitCode !== null) throw new Error(`verdaccio exited (${registry.child.exitCode})`);
				const res = await fetch(`${url}/-/ping`).catch(() => undefined);
				return res?.ok ? true : undefined;
			},
			{ timeoutMs: 60_000, intervalMs: 300, describe: () => registry.output().slice(-2000) },
		);
	} catch (error) {
		await stop();
		throw error;
	}
	// The registry's one user (npm adduser's request): the answer carries a token that may publish.
	const user = await fetch(`${url}/-/user/org.couchdb.user:publisher`, {
		method: 'PUT',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ name: 'publisher', password: 'publisher-password-1' }),
	});
	const { token } = (await user.json()) as { token?: string };
	if (!user.ok || !token) {
		await stop();
		throw new Error(`Verdaccio did not create its user: ${user.status}`);
	}
	const authKey = `//127.0.0.1:${port}/:_authToken`;
	return {
		url,
		token,
		process: registry,
		stop,
		publish(tarballOrFolder) {
			execFileSync('npm', ['publish', tarballOrFolder, `--registry=${url}/`, `--${authKey}=${token}`, '--provenance=false', '--loglevel=error'], {
				cwd: dir,
				stdio: ['ignore', 'pipe', 'pipe'],
			});
		},
		async versions(name) {
			const { status, body } = await getOnce(`${url}/${encodeURIComponent(name)}`);
			if (status === 404) return [];
			return Object.keys((JSON.parse(body) as { versions?: Record<string, unknown> }).versions ?? {});
		},
	};
}

/** A GET on a fresh connection (Verdaccio closes idle keep-alive sockets, which a pooled fetch then trips on). */
function getOnce(url: string): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		http
			.get(url, { agent: false }, (res) => {
				let body = '';
				res.setEncoding('utf8');
				res.on('data', (chunk: string) => (body += chunk));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
			})
			.on('error', reject);
	});
}

/** Unpacks a package tarball, sets its version, returns the folder (to publish the same build as another version). */
export function withVersion(tarball: string, version: string): string {
	const folder = mkdtempSync(path.join(tmpdir(), 'n8n-pack-version-'));
	execFileSync('tar', ['-xzf', tarball, '-C', folder, '--strip-components=1']);
	const manifestPath = path.join(folder, 'package.json');
	const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string };
	manifest.version = version;
	writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
	return folder;
}

export interface RegistryProxy {
	/** http://127.0.0.1:<port>, for HTTPS_PROXY / HTTP_PROXY. */
	url: string;
	/** PEM file of the CA that signed the proxy's registry.npmjs.org certificate, for NODE_EXTRA_CA_CERTS. */
	caFile: string;
	/** Requests answered from the local registry: "GET /n8n-nodes-…". */
	served: string[];
	/** Everything else that tried to leave through the proxy: "CONNECT api.n8n.io:443". */
	refused: string[];
	/** The environment that sends n8n and the npm it runs through this proxy (loopback stays direct). */
	env(): Record<string, string>;
	/** The same for npm as .npmrc lines, for an npm that n8n starts without its environment. */
	npmrc(): string;
	stop(): Promise<void>;
}

/**
 * An HTTP proxy on loopback that answers for registry.npmjs.org from `registryUrl` and refuses every other
 * host. HTTPS through it (CONNECT, as npm and n8n's client do) is ended here with a certificate for
 * registry.npmjs.org signed by a CA made for this run; plain requests with an absolute URL (axios with a
 * proxy) are served the same way.
 */
export async function startRegistryProxy(registryUrl: string): Promise<RegistryProxy> {
	const dir = mkdtempSync(path.join(tmpdir(), 'registry-proxy-'));
	const { caFile, key, cert } = makeCertificate(dir, NPMJS_HOST);
	const served: string[] = [];
	const refused: string[] = [];
	const target = new URL(registryUrl);

	const forward = (req: http.IncomingMessage, res: http.ServerResponse, pathAndQuery: string) => {
		served.push(`${req.method} ${pathAndQuery}`);
		const upstream = http.request(
			{
				host: target.hostname,
				port: target.port,
				method: req.method,
				path: pathAndQuery,
				headers: { ...req.headers, host: target.host },
			},
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstream.on('error', (error) => {
			res.writeHead(502);
			res.end(String(error));
		});
		req.pipe(upstream);
	};

	// Requests that arrive inside a CONNECT tunnel, after TLS: their Host is registry.npmjs.org.
	const inner = http.createServer((req, res) => forward(req, res, req.url ?? '/'));

	const sockets = new Set<Socket>();
	const proxy = http.createServer((req, res) => {
		// A plain request to the proxy names its full URL.
		const url = URL.canParse(req.url ?? '') ? new URL(req.url!) : undefined;
		if (url?.hostname === NPMJS_HOST) return forward(req, res, `${url.pathname}${url.search}`);
		refused.push(`${req.method} ${req.url}`);
		res.writeHead(403, { 'content-type': 'text/plain' });
		res.end('this test proxy serves registry.npmjs.org only\n');
	});
	proxy.on('connection', (socket) => {
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
	});
	proxy.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
		const [host] = (req.url ?? '').split(':');
		if (host !== NPMJS_HOST) {
			refused.push(`CONNECT ${req.url}`);
			socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
			return;
		}
		socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
		if (head.length) socket.unshift(head);
		const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
		secure.on('error', () => socket.destroy());
		inner.emit('connection', secure);
	});
	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
	return {
		url,
		caFile,
		served,
		refused,
		env: () => ({
			HTTPS_PROXY: url,
			HTTP_PROXY: url,
			https_proxy: url,
			http_proxy: url,
			NO_PROXY: '127.0.0.1,localhost',
			no_proxy: '127.0.0.1,localhost',
			// n8n's own HTTP client trusts the CA through Node; npm reads its `cafile` setting instead (this
			// machine's npmrc names the system bundle, which replaces Node's store): point it at the CA too.
			NODE_EXTRA_CA_CERTS: caFile,
			npm_config_cafile: caFile,
		}),
		npmrc: () => [`proxy=${url}`, `https-proxy=${url}`, 'noproxy=127.0.0.1,localhost', `cafile=${caFile}`, ''].join('\n'),
		stop: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => proxy.close(() => resolve()));
			inner.close();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** A throwaway CA and a certificate for `host` it signed (openssl). */
function makeCertificate(dir: string, host: string): { caFile: string; key: string; cert: string } {
	const file = (name: string) => path.join(dir, name);
	const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
	openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=n8n e2e registry proxy CA', '-keyout', file('ca.key'), '-out', file('ca.pem')]);
	openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${host}`, '-keyout', file('host.key'), '-out', file('host.csr')]);
	writeFileSync(file('host.ext'), `subjectAltName=DNS:${host}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
	openssl(['x509', '-req', '-in', file('host.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('host.ext'), '-out', file('host.pem')]);
	return { caFile: file('ca.pem'), key: readFileSync(file('host.key'), 'utf8'), cert: readFileSync(file('host.pem'), 'utf8') };
}
