import type { IDataObject } from 'n8n-workflow';
import { z } from 'zod';
import { uuid } from '../../../shared/schema';
import type { Operation } from '../../../shared/types';
import { describedAlloMiaCall } from '../../callOutcome';
import { outboundCallIdProperty } from './fields';

const properties = [outboundCallIdProperty];

const schema = () => z.object({ outboundCallId: uuid() });

export const getOutboundCallStatus: Operation<ReturnType<typeof schema>> = {
	value: 'getStatus',
	name: 'Get Status',
	action: 'Get the status of an outbound call',
	description:
		"Get an outbound call's status (calling, completed, failed, busy, no-answer) and, once it ended, its details",
	properties,
	schema,
	async execute(ctx, input) {
		const status = await ctx.request<IDataObject>({
			method: 'GET',
			path: `/api/outbound/${encodeURIComponent(input.outboundCallId)}/status`,
			idempotent: true,
		});
		return describedAlloMiaCall(status);
	},
};
