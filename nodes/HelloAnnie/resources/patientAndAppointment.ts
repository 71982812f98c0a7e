/**
 * The patient and appointment groups that POST /calls and POST /sms share (the documentation
 * examples of HelloAnnie's Start Outbound Call and Start Outbound SMS Conversation pages; the API
 * reference gives both objects by example only). The outbound-calls guide
 * (https://docs.helloannie.com/overview/guides/deploying/outbound-calls) adds: firstName and
 * lastName at most 100 characters, dateOfBirth "in YYYY-MM-DD format".
 * Both are n8n collections: an empty group is not sent at all.
 */
import type { INodeProperties } from 'n8n-workflow';
import { z } from 'zod';
import { compact, dateOfBirth, offsetDateTime, optional, text } from '../../shared/schema';
import type { ValidationEnv } from '../../shared/types';

export const patientInfoProperty: INodeProperties = {
	displayName: 'Patient Info',
	name: 'patientInfo',
	type: 'collection',
	placeholder: 'Add Patient Field',
	default: {},
	description: 'Patient information for the conversation',
	options: [
		{
			displayName: 'Date of Birth',
			name: 'dateOfBirth',
			type: 'dateTime',
			default: '',
			description:
				"Sent as in the API reference's example, YYYY-MM-DDT00:00:00.000Z (e.g. 1988-03-22T00:00:00.000Z); HelloAnnie's outbound-calls guide writes the same date as 1988-03-22. The date is taken as written.",
		},
		{
			displayName: 'First Name',
			name: 'firstName',
			type: 'string',
			default: '',
			placeholder: 'Sarah',
			description: "Patient's first name (max 100 characters)",
		},
		{
			displayName: 'Last Name',
			name: 'lastName',
			type: 'string',
			default: '',
			placeholder: 'Johnson',
			description: "Patient's last name (max 100 characters)",
		},
		{
			displayName: 'Patient ID',
			name: 'patientId',
			type: 'string',
			default: '',
			placeholder: 'PAT-10432',
			description: "The patient's ID in your practice management system",
		},
	],
};

export const appointmentInfoProperty: INodeProperties = {
	displayName: 'Appointment Info',
	name: 'appointmentInfo',
	type: 'collection',
	placeholder: 'Add Appointment Field',
	default: {},
	description: 'Appointment information for context during the conversation',
	options: [
		{
			displayName: 'Appointment Description',
			name: 'appointmentDescription',
			type: 'string',
			default: '',
			placeholder: '6-month routine cleaning and exam',
		},
		{
			displayName: 'Appointment ID',
			name: 'appointmentId',
			type: 'string',
			default: '',
			placeholder: '81260683',
		},
		{
			displayName: 'Appointment Type ID',
			name: 'appointmentTypeId',
			type: 'string',
			default: '',
			placeholder: 'apt-type-cleaning',
		},
		{
			displayName: 'End Time',
			name: 'endTime',
			type: 'dateTime',
			default: '',
			description:
				'Sent with its UTC offset, e.g. 2025-03-10T15:30:00-06:00. Without an offset the workflow time zone applies.',
		},
		{
			displayName: 'Start Time',
			name: 'startTime',
			type: 'dateTime',
			default: '',
			description:
				'Sent with its UTC offset, e.g. 2025-03-10T15:00:00-06:00. Without an offset the workflow time zone applies.',
		},
	],
};

export function patientInfoSchema(env: ValidationEnv) {
	return optional(
		z
			.object({
				firstName: optional(text({ max: 100 })),
				lastName: optional(text({ max: 100 })),
				dateOfBirth: optional(dateOfBirth(env)),
				patientId: optional(text()),
			})
			.strict(),
	).transform(compact);
}

export function appointmentInfoSchema(env: ValidationEnv) {
	return optional(
		z
			.object({
				startTime: optional(offsetDateTime(env)),
				endTime: optional(offsetDateTime(env)),
				appointmentTypeId: optional(text()),
				appointmentDescription: optional(text()),
				appointmentId: optional(text()),
			})
			.strict()
			.superRefine((value, ctx) => {
				if (value.startTime && value.endTime && value.endTime.epochMs <= value.startTime.epochMs) {
					ctx.addIssue({
						code: z.ZodIssueCode.custom,
						path: ['endTime'],
						message: 'is not after the start time: enter an end time later than Start Time',
					});
				}
			})
			.transform(({ startTime, endTime, ...rest }) => ({
				startTime: startTime?.text,
				endTime: endTime?.text,
				...rest,
			})),
	).transform(compact);
}
