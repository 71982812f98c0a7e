import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { z } from 'zod';
import { pick } from '../../../shared/endedCall';
import { readFields } from '../../../shared/fields';
import {
	compact,
	httpUrl,
	optional,
	phoneNumber,
	stringMap,
	text,
	uuid,
} from '../../../shared/schema';
import { executionSecret } from '../../../shared/secretCredentials';
import type { ApiRequest, CallbackSupport, Operation, ValidationEnv } from '../../../shared/types';
import { readWaitSettings } from '../../../shared/waitFields';
import { describeAlloMiaCall } from '../../callOutcome';
import { CALLBACK_TOKEN, withCallbackToken } from '../../callbackToken';
import { LINK_LIFETIME_MS } from './fields';

const properties: INodeProperties[] = [
	{
		displayName: 'Phone Number',
		name: 'phoneNumber',
		type: 'string',
		required: true,
		default: '',
		placeholder: '+15145551234',
		description:
			'Phone number to call, in E.164 format (10–20 characters). Spaces, dashes and brackets are removed; the country code is required.',
	},
	{
		displayName: 'Assistant ID',
		name: 'assistantId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'a1b2c3d4-e5f6-7890-abcd-123456789012',
		description:
			"UUID of the AI assistant that makes the call; it must belong to the API key's organization",
	},
	{
		displayName: 'Phone Number ID',
		name: 'phoneNumberId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'b2c3d4e5-f6a7-8901-bcde-234567890123',
		description:
			"UUID of the AlloMia phone number to call from; it must belong to the API key's organization",
	},
	{
		displayName: 'Customer Name',
		name: 'customerName',
		type: 'string',
		default: '',
		placeholder: 'John Doe',
		description:
			'Name of the person being called, so the assistant can personalise the conversation',
	},
	{
		displayName: 'Dynamic Variables',
		name: 'dynamicVariablesMode',
		type: 'options',
		options: [
			{ name: 'None', value: 'none' },
			{ name: 'Using Fields Below', value: 'fields' },
			{ name: 'Using JSON', value: 'json' },
		],
		default: 'none',
		description:
			'Key-value pairs passed to the assistant at call time; every value is sent as a string',
	},
	{
		displayName: 'Variables',
		name: 'dynamicVariables',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Variable',
		default: {},
		displayOptions: { show: { dynamicVariablesMode: ['fields'] } },
		options: [
			{
				displayName: 'Variable',
				name: 'variable',
				values: [
					{
						displayName: 'Key',
						name: 'key',
						type: 'string',
						default: '',
						placeholder: 'appointmentSlot',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: '2026-04-01T10:00:00Z',
					},
				],
			},
		],
	},
	{
		displayName: 'Variables (JSON)',
		name: 'dynamicVariablesJson',
		type: 'json',
		default: '{}',
		displayOptions: { show: { dynamicVariablesMode: ['json'] } },
		description:
			'A JSON object, e.g. {"patientId": "12345", "practitioner": "Dr. Smith"}. Numbers and booleans are sent as strings.',
	},
	{
		displayName: 'Callback URL',
		name: 'callbackUrl',
		type: 'string',
		default: '',
		placeholder: 'https://partner.example.com/webhooks/call-status',
		description:
			"AlloMia POSTs the final status here when the call ends (completed, failed, busy or no-answer). Use a Wait node's resume URL ({{ $execution.resumeUrl }}) to continue this workflow with the outcome.",
	},
	{
		displayName: 'Add Callback Token',
		name: 'addCallbackToken',
		type: 'boolean',
		default: false,
		description:
			'Whether to add the token of an AlloMia Callback Token API credential to the Callback URL (?token=…), as the AlloMia Trigger requires. Choose the credential the trigger uses; the token is never typed into this node.',
	},
];

const WHERE = 'this node (Add Callback Token is on)';

/** Whether Add Callback Token is on (a node-level choice: it decides which credentials the node has). */
function addsCallbackToken(fn: IExecuteFunctions): boolean {
	return fn.getNodeParameter('addCallbackToken', 0, false) === true;
}

/** The parameters of the two input modes become the one documented `dynamicVariables` object. */
async function readInput(fn: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const raw = readFields(fn, itemIndex, properties);
	const { dynamicVariablesMode, dynamicVariables, dynamicVariablesJson, ...rest } = raw;
	delete rest.addCallbackToken;
	// AlloMia takes one callbackUrl per call; On Provider Callback needs it for this execution.
	if (readWaitSettings(fn, true)?.mode === 'callback') {
		const setUrl = typeof rest.callbackUrl === 'string' && rest.callbackUrl.trim() !== '';
		if (setUrl || addsCallbackToken(fn)) {
			throw new NodeOperationError(
				fn.getNode(),
				`${setUrl ? 'Callback URL is set' : 'Add Callback Token is on'}, but Wait for Call to End → On Provider Callback points the call's one callbackUrl at this execution`,
				{
					description: `${setUrl ? 'Clear Callback URL' : 'Turn Add Callback Token off'}, or choose Wait Using "Polling" to keep your own callback. Nothing was sent.`,
					itemIndex,
				},
			);
		}
	}
	// The token is checked before anything is sent, but only added to the URL when sending: the
	// item's input (which validation and the campaign guard see) never holds it.
	if (addsCallbackToken(fn)) {
		await executionSecret(fn, CALLBACK_TOKEN, WHERE);
		if (typeof rest.callbackUrl !== 'string' || rest.callbackUrl.trim() === '') {
			throw new NodeOperationError(
				fn.getNode(),
				'Add Callback Token is on, but Callback URL is empty',
				{
					description:
						"Set Callback URL to the AlloMia Trigger's Production URL, or turn Add Callback Token off. Nothing was sent.",
				},
			);
		}
	}
	let variables: IDataObject | IDataObject[] | string | undefined;
	if (dynamicVariablesMode === 'fields') {
		const list = ((dynamicVariables as IDataObject)?.variable as IDataObject[] | undefined) ?? [];
		variables = list.length ? list : undefined;
	} else if (dynamicVariablesMode === 'json') {
		variables = dynamicVariablesJson as IDataObject | string;
	}
	return { ...rest, dynamicVariables: variables };
}

const schema = (env: ValidationEnv) =>
	z
		.object({
			phoneNumber: phoneNumber(env).pipe(z.string().min(10).max(20)),
			assistantId: uuid(),
			phoneNumberId: uuid(),
			customerName: optional(text()),
			dynamicVariables: optional(stringMap()),
			callbackUrl: optional(httpUrl()),
		})
		.transform((body) => compact(body) ?? {});

/**
 * One read of an outbound call: its status, and once it ended, the call record (summary,
 * outcome, transcript) that shares its ID, joined into one object (describeAlloMiaCall reads it).
 */
async function readOutboundCall(
	request: <T>(request: ApiRequest) => Promise<T>,
	id: string,
): Promise<IDataObject> {
	const status = await request<IDataObject>({
		method: 'GET',
		path: `/api/outbound/${encodeURIComponent(id)}/status`,
		idempotent: true,
	});
	if (status.status === 'calling') return pick(status, ['outboundCallId', 'contactId', 'status']);
	const call = pick(status, ['outboundCallId', 'contactId', 'status', 'callDetails']);
	// The call record (summary, transcript) shares the outbound call's ID; that link is not
	// documented, so a missing record leaves the call at its status.
	try {
		const record = await request<IDataObject>({
			method: 'GET',
			path: `/api/calls/${encodeURIComponent(id)}`,
			idempotent: true,
		});
		// Every field of the record, named as AlloMia's get-call page names it: callSummary (and the
		// French summary next to it), userSentiment, userPrimaryIntent, callOutcome, callEndedReason,
		// callDurationSeconds (a string), transcriptUrl, recordingUrl, teamId, teamName, ... The
		// status's own fields are kept as the status gave them.
		for (const [key, value] of Object.entries(record)) if (!(key in call)) call[key] = value;
		if (record.transcriptUrl || record.recordingUrl) {
			call.linksExpireAt = new Date(Date.now() + LINK_LIFETIME_MS).toISOString();
		}
	} catch {
		// The status alone still says how the call ended.
	}
	return call;
}

/** The callbackUrl POST: documented to mirror Get Outbound Call Status, sent at a terminal state. */
const alloMiaCallback: CallbackSupport = {
	how: "POSTs the call's final status to its Callback URL",
	attach: (body, url) => ({ ...body, callbackUrl: url }),
	identify: (payload) => ({
		callId: typeof payload.outboundCallId === 'string' ? payload.outboundCallId : undefined,
		final: typeof payload.status === 'string' && payload.status !== 'calling',
	}),
};

export const createOutboundCall: Operation<ReturnType<typeof schema>> = {
	value: 'createOutbound',
	name: 'Create Outbound',
	action: 'Create an outbound call',
	description:
		'Dispatch an AI assistant to call a phone number now. This dials a real phone number.',
	properties,
	schema,
	phoneFields: true,
	dials: { places: 'call', idField: 'outboundCallId' },
	readInput,
	waits: {
		idField: 'outboundCallId',
		read: readOutboundCall,
		describe: describeAlloMiaCall,
		callback: alloMiaCallback,
	},
	async execute(ctx, body) {
		const withToken =
			addsCallbackToken(ctx.fn) && typeof body.callbackUrl === 'string'
				? {
						...body,
						callbackUrl: withCallbackToken(
							body.callbackUrl,
							await executionSecret(ctx.fn, CALLBACK_TOKEN, WHERE),
						),
					}
				: body;
		const resumeUrl = ctx.waiter?.callbackUrl(ctx.itemIndex);
		const created = await ctx.request<IDataObject>({
			method: 'POST',
			path: '/api/outbound',
			body: resumeUrl ? alloMiaCallback.attach(withToken, resumeUrl) : withToken,
			idempotent: false,
			checkHint: 'Check with Call → Get Many (sorted newest first) before running this item again.',
		});
		return ctx.waiter ? ctx.waiter.watch(ctx.itemIndex, created) : created;
	},
};
