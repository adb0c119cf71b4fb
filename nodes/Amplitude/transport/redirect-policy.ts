/**
 * Where a download redirect may lead. Amplitude sends large exports to a pre-signed Amazon S3 link over
 * https; anything else (plain http to another host, file:, ftp:) is refused before any request is made.
 * A custom base URL (a proxy, or the sandbox in tests) may also redirect to its own scheme and host.
 */

export type RedirectVerdict = { allowed: true; url: URL } | { allowed: false; reason: string };

/** The link without its query (a pre-signed link's signature is a secret for its lifetime). */
export function linkForDisplay(url: URL): string {
	return `${url.protocol}//${url.host}${url.pathname}`;
}

export function checkDownloadRedirect(location: string, from: string, customBaseUrl?: string): RedirectVerdict {
	let url: URL;
	try {
		url = new URL(location, from);
	} catch {
		return { allowed: false, reason: `it is not a URL ("${location.slice(0, 100)}")` };
	}
	if (url.username !== '' || url.password !== '') {
		return { allowed: false, reason: `it carries a user name or password (${linkForDisplay(url)})` };
	}
	if (url.protocol === 'https:') return { allowed: true, url };
	if (customBaseUrl !== undefined) {
		const base = new URL(customBaseUrl);
		if (url.protocol === base.protocol && url.host === base.host) return { allowed: true, url };
	}
	return {
		allowed: false,
		reason:
			`it leads to ${linkForDisplay(url)}: only https links are followed` +
			(customBaseUrl !== undefined ? `, or links to the custom base URL's own host (${new URL(customBaseUrl).origin})` : ''),
	};
}
