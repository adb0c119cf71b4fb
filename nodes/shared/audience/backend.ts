/**
 * What each node provides to the shared operations: its transport for one app or project. Every method
 * makes one HTTP attempt; the shared code retries.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { AudienceApi } from '../sync/types';
import type { ExtrasSupport } from './read-members';

export interface AudiencePage {
	audiences: IDataObject[];
	/** Where the next page starts; undefined on the last page. */
	next?: string;
}

export interface AudienceBackend {
	/** API family, part of the Sync changes state key. */
	family: string;
	/** The app or project key: only ever hashed (state key) and scrubbed, never shown. */
	accountKey: string;
	/** Every key of the credential, to scrub from what is shown. */
	secrets: string[];
	/** What the API accepts with added ids. */
	extras: ExtrasSupport;
	/** Audience types that fit the chosen identifier type, as the API spells them in answers. */
	acceptedTypes: string[];
	maxIdLength?: number;
	/** Largest page the list route serves. */
	maxPageSize: number;
	audienceApi(name: string): AudienceApi;
	getAudience(name: string): Promise<IDataObject>;
	listPage(cursor: string | undefined, limit: number): Promise<AudiencePage>;
	deleteAudience(name: string): Promise<IDataObject>;
}

export type BackendFactory = (ctx: IExecuteFunctions, itemIndex: number) => Promise<AudienceBackend>;
