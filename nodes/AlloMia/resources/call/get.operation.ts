import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import {
	downloadChoice,
	downloadProperties,
	maxFileSize,
	wants,
	withDownloads,
	type FileLink,
} from '../../../shared/download';
import { text } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import { LINK_LIFETIME_MS } from './fields';
import { describedAlloMiaCall } from '../../callOutcome';
import { alloMia } from '../../provider';

const properties: INodeProperties[] = [
	{
		displayName: 'Call ID',
		name: 'callId',
		type: 'string',
		required: true,
		default: '',
		description: 'The ID of the call, as Call → Get Many lists it',
	},
	// get-call documents a plain-text transcript (.txt) and a recording behind the two links.
	...downloadProperties(['transcript', 'recording'], 'the transcript (.txt) and the recording'),
];

// get-call documents the ID as a string, without a format: only an empty one is refused.
const schema = () =>
	z.object({ callId: text(), download: downloadChoice(), maxFileSize: maxFileSize() });

const EXPIRED_HINT =
	"Run Call → Get again for a fresh link: AlloMia's links work for one hour after they are fetched.";

export const getCall: Operation<ReturnType<typeof schema>> = {
	value: 'get',
	name: 'Get',
	action: 'Get a call',
	description:
		'Get a call with its summary (callSummary), sentiment (userSentiment), intent (userPrimaryIntent) and outcome (callOutcome). Its transcript and recording links expire one hour after this request; Download adds them as files.',
	properties,
	schema,
	async execute(ctx, input) {
		const call = await ctx.request<IDataObject>({
			method: 'GET',
			path: `/api/calls/${encodeURIComponent(input.callId)}`,
			idempotent: true,
		});
		// The links stop working after an hour: say so next to them, so a workflow that stores
		// them (a CRM, a sheet) knows to download the recording or transcript in time.
		const json = describedAlloMiaCall({
			...call,
			linksExpireAt: new Date(Date.now() + LINK_LIFETIME_MS).toISOString(),
			linksNote:
				'transcriptUrl and recordingUrl are pre-signed and expire one hour after they were fetched',
		});
		if (input.download === 'none') return json;
		const links: FileLink[] = [];
		if (wants(input.download, 'transcript')) {
			links.push({
				kind: 'transcript',
				field: 'transcriptUrl',
				url: call.transcriptUrl,
				missingHint: 'a call that was not answered has none',
				expiredHint: EXPIRED_HINT,
			});
		}
		if (wants(input.download, 'recording')) {
			links.push({
				kind: 'recording',
				field: 'recordingUrl',
				url: call.recordingUrl,
				missingHint: 'a call that was not answered has none',
				expiredHint: EXPIRED_HINT,
			});
		}
		return await withDownloads(
			ctx,
			{ credentialType: alloMia.credentialType, maxFileSizeMb: input.maxFileSize },
			json,
			links,
		);
	},
};
