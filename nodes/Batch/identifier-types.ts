/**
 * Custom Audience API versions by identifier type: 1.0 holds Custom User IDs and advertising IDs,
 * 1.1 Installation IDs (and only 1.1 takes attributes and tags on added ids).
 */
export type IdentifierType = 'customUserId' | 'installationId' | 'advertisingId';

export interface IdentifierTypeInfo {
	version: '1.0' | '1.1';
	audienceType: 'custom_ids' | 'install_ids' | 'advertising_ids';
	extras: boolean;
}

export const IDENTIFIER_TYPES: Record<IdentifierType, IdentifierTypeInfo> = {
	customUserId: { version: '1.0', audienceType: 'custom_ids', extras: false },
	installationId: { version: '1.1', audienceType: 'install_ids', extras: true },
	advertisingId: { version: '1.0', audienceType: 'advertising_ids', extras: false },
};

export function identifierTypeInfo(value: unknown): IdentifierTypeInfo {
	return IDENTIFIER_TYPES[value as IdentifierType] ?? IDENTIFIER_TYPES.customUserId;
}
