/**
 * The HelloAnnie node run in-process against the sandbox (see providers.ts), with the sandbox's
 * valid key and the patient, appointment and context of HelloAnnie's seed examples.
 */
import type { IDataObject } from 'n8n-workflow';
import type { NodeRunResult } from './n8n-harness';
import { runHelloAnnie } from './providers';
import type { Sandbox } from '../sandbox/server';

export const ANNIE_KEY = 'annie-sk-v1-sandbox';

/** The seed examples (000, 001), as a user fills them into the node's panel. */
export const SEED_PATIENT = {
	firstName: 'Sarah',
	lastName: 'Johnson',
	dateOfBirth: '1988-03-22T00:00:00.000Z',
	patientId: 'PAT-10432',
};
export const SEED_APPOINTMENT = {
	startTime: '2025-03-10T15:00:00-06:00',
	endTime: '2025-03-10T15:30:00-06:00',
	appointmentTypeId: 'apt-type-cleaning',
	appointmentDescription: '6-month routine cleaning and exam',
	appointmentId: '81260683',
};
export const SEED_CONTEXT =
	'Confirming upcoming cleaning appointment scheduled for March 10th at 3:00 PM';

export function runAnnie(
	sandbox: Sandbox,
	parameters: IDataObject,
	options: {
		items?: IDataObject[];
		continueOnFail?: boolean;
		apiKey?: string;
		timezone?: string;
	} = {},
): Promise<NodeRunResult> {
	return runHelloAnnie(sandbox, parameters, options);
}
