import type { Resource } from '../../shared/types';
import { createOutboundCall } from './call/createOutbound.operation';
import { getCall } from './call/get.operation';
import { getManyCalls } from './call/getMany.operation';
import { getOutboundCallStatus } from './call/getStatus.operation';

export const alloMiaResources: Resource[] = [
	{
		value: 'call',
		name: 'Call',
		operations: [createOutboundCall, getOutboundCallStatus, getCall, getManyCalls],
	},
];
