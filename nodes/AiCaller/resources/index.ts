import type { Resource } from '../../shared/types';
import { createPhoneCall } from './phoneCall/create';
import { createManyPhoneCalls } from './phoneCall/createMany';
import { getPhoneCall } from './phoneCall/get';
import { getManyPhoneCalls } from './phoneCall/getMany';

export const aiCallerResources: Resource[] = [
	{
		value: 'phoneCall',
		name: 'Phone Call',
		operations: [createPhoneCall, createManyPhoneCalls, getPhoneCall, getManyPhoneCalls],
	},
];
