import type { Resource } from '../../shared/types';
import { createPhoneCall } from './phoneCall/create.operation';
import { createManyPhoneCalls } from './phoneCall/createMany.operation';
import { getPhoneCall } from './phoneCall/get.operation';
import { getManyPhoneCalls } from './phoneCall/getMany.operation';

export const aiCallerResources: Resource[] = [
	{
		value: 'phoneCall',
		name: 'Phone Call',
		operations: [createPhoneCall, createManyPhoneCalls, getPhoneCall, getManyPhoneCalls],
	},
];
