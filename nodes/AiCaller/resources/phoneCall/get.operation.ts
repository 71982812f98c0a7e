import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { downloadProperties, maxFileSize, wants, withDownloads } from '../../../shared/download';
import type { Operation } from '../../../shared/types';
import { describedPhoneCall } from '../../callOutcome';
import { aiCaller, type AiCallerEnvelope } from '../../provider';
import { withoutWebhookSecrets } from '../../webhookSecret';
import { aiCallerId, phoneCallDoNotCall } from './fields';

const properties: INodeProperties[] = [
	{
		displayName: 'Phone Call ID',
		name: 'phoneCallId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '12345678901234567890',
		description: 'The _id of the phone call, as Create or Get Many output it',
	},
	// The phone-call pages document a recordingUrl and no transcript file.
	...downloadProperties(['recording'], 'the recording'),
];

// Only the choices the panel offers: an expression giving "transcript" is refused, not ignored.
const schema = () =>
	z.object({
		phoneCallId: aiCallerId(),
		download: z.enum(['none', 'recording']),
		maxFileSize: maxFileSize(),
	});

export const getPhoneCall: Operation<ReturnType<typeof schema>> = {
	value: 'get',
	name: 'Get',
	action: 'Get a phone call',
	description:
		'Get a phone call with its status, result values, duration and recording link; Download adds the recording as a file',
	properties,
	schema,
	doNotCall: phoneCallDoNotCall,
	async execute(ctx, input) {
		const response = await ctx.request<AiCallerEnvelope<IDataObject>>({
			method: 'GET',
			path: `/v1/phoneCalls/${encodeURIComponent(input.phoneCallId)}`,
			idempotent: true,
		});
		// AICaller echoes each webhook with its secret: never output.
		const json = describedPhoneCall(withoutWebhookSecrets({ ...response.data }));
		if (!wants(input.download, 'recording')) return json;
		return await withDownloads(
			ctx,
			{ credentialType: aiCaller.credentialType, maxFileSizeMb: input.maxFileSize },
			json,
			[
				{
					kind: 'recording',
					field: 'recordingUrl',
					url: response.data.recordingUrl,
					missingHint: 'AICaller adds one once a phone call created with Record completed',
					expiredHint: 'Run Phone Call → Get again for a fresh link.',
				},
			],
		);
	},
};
