import type { Resource } from '../../shared/types';
import { createOutboundCall } from './call/createOutbound';
import { getCall } from './call/get';
import { getManyCalls } from './call/getMany';
import { getOutboundCallStatus } from './call/getStatus';

export const alloMiaResources: Resource[] = [
	{ value: 'call', name: 'Call', operations: [createOutboundCall, getOutboundCallStatus, getCall, getManyCalls] },
];
