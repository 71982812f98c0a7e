/** Fields and facts shared by the call operations. */
import type { INodeProperties } from 'n8n-workflow';

export const outboundCallIdProperty: INodeProperties = {
	displayName: 'Outbound Call ID',
	name: 'outboundCallId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'c3d4e5f6-a7b8-9012-cdef-345678901234',
	description: 'The outboundCallId returned by Call → Create Outbound',
};

/** AlloMia documents that transcriptUrl and recordingUrl are pre-signed for one hour. */
export const LINK_LIFETIME_MS = 60 * 60 * 1000;
