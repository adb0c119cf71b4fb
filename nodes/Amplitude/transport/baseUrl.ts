/** Which REST host the credential points at. Paths are the same on every host. */

export const AMPLITUDE_US_URL = 'https://amplitude.com';
export const AMPLITUDE_EU_URL = 'https://analytics.eu.amplitude.com';

export type AmplitudeRegion = 'us' | 'eu' | 'custom';

export interface AmplitudeHostSettings {
	region?: AmplitudeRegion | string;
	baseUrl?: string;
}

/** The REST base URL, without a trailing slash; throws a plain Error on an unusable custom URL. */
export function amplitudeBaseUrl(settings: AmplitudeHostSettings): string {
	switch (settings.region ?? 'us') {
		case 'us':
			return AMPLITUDE_US_URL;
		case 'eu':
			return AMPLITUDE_EU_URL;
		case 'custom': {
			const url = (settings.baseUrl ?? '').trim().replace(/\/+$/, '');
			if (!/^https?:\/\/[^/\s]+/i.test(url)) {
				throw new Error(`The custom base URL "${url}" is not an http(s) URL`);
			}
			return url;
		}
		default:
			throw new Error(`Unknown Amplitude region "${String(settings.region)}"`);
	}
}
