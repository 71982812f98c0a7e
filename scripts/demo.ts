/**
 * `npm run demo` (npx tsx scripts/demo.ts [--wait-seconds N] [--call-outcomes completed=6,…]):
 * builds the package, starts the sandbox and the pinned n8n with the package installed as a
 * community package, runs every example workflow and prints what was sent to whom and what came
 * back, then a summary. Sandbox calls end by themselves shortly before the workflows look at
 * them (after N s, default 3), each with an outcome drawn from --call-outcomes (default: mostly
 * completed, some no answer, voicemail or busy), as they would at the provider. Patient
 * and contact names and dates of birth are masked, phone numbers shortened to their last four
 * digits, API keys never shown. Everything it started is stopped on exit, on failure and on Ctrl-C.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { nodeOutput, type Execution } from '../test/harness/client';
import {
	EXAMPLES,
	prepareExample,
	routedRow,
	sampleAppointment,
	sampleBooking,
	sampleContact,
	webhookPathOf,
	type RoutingExample,
} from '../test/harness/examples';
import { waitFor } from '../test/harness/processes';
import { startStack, stopOnSignals, type Stack } from '../test/harness/stack';
import { parseOutcomeWeights, type CallEndingOptions } from '../test/sandbox/callEnding';
import type { RecordedRequest } from '../test/sandbox/server';

const log = (message: string) => process.stderr.write(`${message}\n`);
const out = (message = '') => process.stdout.write(`${message}\n`);

function textArgument(name: string): string | undefined {
	const index = process.argv.indexOf(name);
	return index >= 0 ? process.argv[index + 1] : undefined;
}

function argument(name: string, fallback: number): number {
	const index = process.argv.indexOf(name);
	const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
	if (!Number.isFinite(value) || value < 0 || value > 60)
		throw new Error(`${name} must be a number of seconds from 0 to 60`);
	return value;
}

// ---- masking: names and dates of birth never appear in the output ------------------------------

const maskName = (name: unknown) => (typeof name === 'string' && name ? `${name[0]}***` : '?');
const maskPhone = (phone: unknown) =>
	typeof phone === 'string' ? phone.replace(/\d(?=(?:\D*\d){4})/g, '•') : '?';
const maskDob = (dob: unknown) => (dob ? '****-**-**' : '-');

interface PatientInfo {
	firstName?: string;
	lastName?: string;
	dateOfBirth?: string;
	patientId?: string;
}

/** The message as sent, with the patient's names masked. */
function maskedText(text: string, patient: PatientInfo | undefined): string {
	let masked = text;
	for (const name of [patient?.firstName, patient?.lastName]) {
		if (name) masked = masked.split(name).join(maskName(name));
	}
	return masked;
}

function describeRequest(request: RecordedRequest): string {
	const body = (request.body ?? {}) as {
		toNumber?: string;
		patientInfo?: PatientInfo;
		message?: string;
	};
	const to = body.toNumber ? ` to ${maskPhone(body.toNumber)}` : '';
	const patient = body.patientInfo
		? ` for ${maskName(body.patientInfo.firstName)} ${maskName(body.patientInfo.lastName)} (DOB ${maskDob(body.patientInfo.dateOfBirth)})`
		: '';
	const verdict = request.valid
		? 'matches the contract'
		: `breaks the contract: ${request.validationErrors.join('; ')}`;
	return `${request.method} ${request.path}${to}${patient} → HTTP ${request.status}, ${verdict}`;
}

/** One line per example for the closing summary. */
type Summary = { file: string; result: string };

async function runAppointmentExample(stack: Stack, waitSeconds: number): Promise<Summary> {
	const example = EXAMPLES.appointment;
	out(`\n== ${example.file}`);
	const workflow = prepareExample(example.file, {
		credentialId: stack.credentials.helloAnnie.id,
		openCallingHours: true,
	});
	const stored = await stack.client.createWorkflow(workflow);
	await stack.client.activateWorkflow(stored);

	const booking = sampleBooking(waitSeconds);
	out(
		`booking in:  patient ${booking.patient.id} ${maskName(booking.patient.firstName)} ${maskName(booking.patient.lastName)}, ` +
			`DOB ${maskDob(booking.patient.dateOfBirth)}, phone ${maskPhone(booking.patient.phone)}, ` +
			`appointment ${booking.appointment.id} at ${booking.appointment.start}; the workflow waits ${waitSeconds} s`,
	);
	stack.sandbox.reset();
	// The sandbox ends the call shortly before the workflow looks at it (see callEnding in main).
	const result = await stack.client.runWebhook(stored.id, webhookPathOf(workflow), booking);
	for (const request of stack.sandbox.requestsFor('helloannie'))
		out(`HelloAnnie:  ${describeRequest(request)}`);
	out(`answered:    HTTP ${result.answer.status} ${JSON.stringify(result.answer.body)}`);
	if (result.execution.status !== 'success' || result.answer.status !== 200) {
		throw new Error(
			`the appointment workflow ended with ${result.execution.status} / HTTP ${result.answer.status}`,
		);
	}
	const { outcome } = result.answer.body as { outcome?: string };
	return { file: example.file, result: `call placed; the booking system got "${outcome}"` };
}

async function runSmsCampaignExample(stack: Stack): Promise<Summary> {
	const example = EXAMPLES.smsCampaign;
	out(`\n== ${example.file} (examples/data/${example.csvFile})`);
	const workflow = prepareExample(example.file, {
		credentialId: stack.credentials.helloAnnie.id,
		csvPath: `${stack.filesDir}/${example.csvFile}`,
	});
	const stored = await stack.client.createWorkflow(workflow);
	stack.sandbox.reset();
	const execution = await stack.client.waitForExecution(
		await stack.client.runManually(stored.id, example.triggerNode),
	);
	if (execution.status !== 'success')
		throw new Error(`the SMS campaign ended with ${execution.status}`);

	const rows = nodeOutput(execution, 'Extract patients').map(
		(item) => item.json as Record<string, string>,
	);
	const [summary] = nodeOutput(execution, example.summaryNode);
	const { total, sent, failed, results } = summary.json as {
		total: number;
		sent: number;
		failed: number;
		results: Array<{ patientId: string; status: string; conversationId: string; error: string }>;
	};
	const requests = stack.sandbox.requestsFor('helloannie');
	results.forEach((result, index) => {
		const row = rows[index] ?? {};
		const who =
			`${result.patientId}  ${maskName(row.first_name)} ${maskName(row.last_name)}  ${maskPhone(row.phone)}`.padEnd(
				42,
			);
		const what =
			result.status === 'sent'
				? `sent, conversation ${result.conversationId}`
				: `not sent: ${result.error}`;
		out(`  ${who} ${what}`);
	});
	out(`summary:     ${total} rows, ${sent} sent, ${failed} refused before sending`);
	for (const request of requests) {
		const body = request.body as { message?: string; patientInfo?: PatientInfo };
		out(`HelloAnnie:  ${describeRequest(request)}`);
		if (body?.message) out(`             "${maskedText(body.message, body.patientInfo)}"`);
	}
	return { file: example.file, result: `${total} rows: ${sent} SMS sent, ${failed} refused` };
}

function contractVerdict(request: RecordedRequest): string {
	return request.valid
		? 'matches the contract'
		: `breaks the contract: ${request.validationErrors.join('; ')}`;
}

/**
 * AlloMia: a CRM posts a contact; the call goes out with the workflow's resume URL as callback;
 * the call ends by itself in the sandbox, which POSTs the outcome to that URL, resuming the
 * workflow into its CRM record.
 */
async function runAlloMiaExample(stack: Stack): Promise<Summary> {
	const example = EXAMPLES.alloMiaCrm;
	out(`\n== ${example.file}`);
	const workflow = prepareExample(example.file, {
		credentialIds: { alloMia: stack.credentials.alloMia.id },
	});
	const stored = await stack.client.createWorkflow(workflow);
	await stack.client.activateWorkflow(stored);
	stack.sandbox.reset();

	const input = sampleContact();
	out(
		`contact in:  ${input.contact.id} ${input.contact.name.split(' ').map(maskName).join(' ')}, phone ${maskPhone(input.contact.phone)}, ` +
			`appointment ${input.appointment.slot} with ${input.appointment.practitioner}`,
	);
	const before = await stack.client.latestExecutionId(stored.id);
	const answer = await stack.client.callWebhook(webhookPathOf(workflow), input);
	if (answer.status !== 200)
		throw new Error(`the AlloMia workflow's webhook answered ${answer.status}`);
	const executionId = await waitFor(
		'the AlloMia workflow to start',
		async () => {
			const latest = await stack.client.latestExecutionId(stored.id);
			return latest > before ? String(latest) : undefined;
		},
		{ timeoutMs: 30_000, intervalMs: 50 },
	);
	const waiting = await waitFor(
		'the AlloMia workflow to wait for the callback',
		async () => {
			const execution = await stack.client.getExecution(executionId);
			return ['running', 'new'].includes(execution.status) ? undefined : execution;
		},
		{ timeoutMs: 30_000, intervalMs: 50 },
	);
	if (waiting.status !== 'waiting')
		throw new Error(`the AlloMia workflow ended with ${waiting.status} instead of waiting`);

	const [request] = stack.sandbox.requestsFor('allomia');
	const body = request.body as { phoneNumber: string; callbackUrl: string };
	const callbackUrl = new URL(body.callbackUrl);
	out(
		`AlloMia:     ${request.method} ${request.path} to ${maskPhone(body.phoneNumber)} → HTTP ${request.status}, ${contractVerdict(request)}`,
	);
	out(
		`             callbackUrl = ${callbackUrl.origin}${callbackUrl.pathname}?signature=… (this execution's resume URL)`,
	);
	const outboundCallId = String(nodeOutput(waiting, example.callNode)[0].json.outboundCallId);
	out(`n8n:         execution ${executionId} is waiting for the call ${outboundCallId} to end`);

	// The person talks to the assistant for a while (or does not answer), then the line closes.
	const callback = await waitFor(
		'AlloMia to end the call and post its outcome',
		async () =>
			// Recorded when sent; answered (status) or failed (error) once n8n has taken it.
			stack.sandbox.callbacks.find(
				(attempt) =>
					attempt.provider === 'allomia' &&
					attempt.url === body.callbackUrl &&
					(attempt.status !== 0 || attempt.error !== undefined),
			),
		{ timeoutMs: 120_000, intervalMs: 100 },
	);
	out(
		`AlloMia → n8n: POST resume URL ${callback.rawBody} → ${callback.error ?? `HTTP ${callback.status}`}`,
	);
	const execution: Execution = await stack.client.waitForExecution(executionId);
	if (execution.status !== 'success')
		throw new Error(`the AlloMia workflow ended with ${execution.status}`);
	const [record] = nodeOutput(execution, example.crmNode);
	out(`CRM record:  ${JSON.stringify(record.json)}`);
	const { callStatus, callOutcome, durationSeconds } = record.json as {
		callStatus: string;
		callOutcome: string;
		durationSeconds: number;
	};
	return {
		file: example.file,
		result: `resumed by AlloMia's callback: call ${callStatus} (${durationSeconds} s), CRM record "${callOutcome}"`,
	};
}

/** AICaller: a CSV of contacts → Create Many (one batch request) → a results CSV on disk. */
async function runAiCallerExample(stack: Stack): Promise<Summary> {
	const example = EXAMPLES.aiCallerCampaign;
	const resultsPath = path.join(stack.filesDir, 'contacts-results.csv');
	out(`\n== ${example.file} (examples/data/${example.csvFile})`);
	const workflow = prepareExample(example.file, {
		credentialIds: { aiCaller: stack.credentials.aiCaller.id },
		csvPath: path.join(stack.filesDir, example.csvFile),
		resultsPath,
	});
	const stored = await stack.client.createWorkflow(workflow);
	stack.sandbox.reset();
	await fs.rm(resultsPath, { force: true });
	const execution = await stack.client.waitForExecution(
		await stack.client.runManually(stored.id, example.triggerNode),
	);
	if (execution.status !== 'success')
		throw new Error(`the AICaller campaign ended with ${execution.status}`);

	const rows = nodeOutput(execution, example.resultNode).map(
		(item) => item.json as Record<string, string>,
	);
	for (const row of rows) {
		const who =
			`${row.contact_id}  ${maskName(row.first_name)} ${maskName(row.last_name)}  ${maskPhone(row.phone)}`.padEnd(
				42,
			);
		out(
			`  ${who} ${row.call_id ? `call ${row.call_id} ${row.call_status}` : `not created: ${row.error}`}`,
		);
	}
	const requests = stack.sandbox.requestsFor('aicaller');
	for (const request of requests) {
		const calls = (request.body as { phoneCalls?: unknown[] } | undefined)?.phoneCalls ?? [];
		out(
			`AICaller:    ${request.method} ${request.path} with ${calls.length} calls → HTTP ${request.status}, ${contractVerdict(request)}`,
		);
	}
	const written = (await fs.readFile(resultsPath, 'utf8')).replace(/^\uFEFF/, '');
	const lines = written.trim().split(/\r?\n/);
	out(
		`results:     ${path.basename(resultsPath)} written to n8n's files folder: ${lines.length - 1} rows, columns ${lines[0]}`,
	);
	const created = rows.filter((row) => row.call_id).length;
	return {
		file: example.file,
		result: `${rows.length} rows: ${created} calls created in ${requests.length} batch request${requests.length === 1 ? '' : 's'}, ${rows.length - created} refused; results CSV written`,
	};
}

/** AlloMia: Call → Get with Download = Both → the transcript and the recording written to disk by n8n's file node. */
async function runAlloMiaFilesExample(stack: Stack): Promise<Summary> {
	const example = EXAMPLES.alloMiaFiles;
	out(`\n== ${example.file}`);
	const workflow = prepareExample(example.file, {
		credentialIds: { alloMia: stack.credentials.alloMia.id },
		folder: stack.filesDir,
	});
	const stored = await stack.client.createWorkflow(workflow);
	stack.sandbox.reset();
	const execution = await stack.client.waitForExecution(
		await stack.client.runManually(stored.id, example.triggerNode),
	);
	if (execution.status !== 'success')
		throw new Error(`the AlloMia files example ended with ${execution.status}`);
	const [call] = nodeOutput(execution, example.getNode);
	for (const request of stack.sandbox.requestsFor('allomia'))
		out(
			`AlloMia:     ${request.method} ${request.path} → HTTP ${request.status}, ${contractVerdict(request)}`,
		);
	for (const request of stack.sandbox.storage.requests)
		out(
			`storage:     ${request.method} ${request.path} → HTTP ${request.status}, ${request.headers.authorization ? 'WITH an API key' : 'no API key sent'}`,
		);
	const written: string[] = [];
	for (const kind of ['transcript', 'recording'] as const) {
		const file = call.binary?.[kind];
		if (!file?.fileName) continue;
		const size = (await fs.stat(path.join(stack.filesDir, file.fileName))).size;
		written.push(`${kind} ${file.fileName} (${file.mimeType}, ${size} bytes)`);
	}
	out(`files:       written to n8n's files folder: ${written.join(', ') || 'none'}`);
	return {
		file: example.file,
		result: `call ${String(call.json.id).slice(0, 8)}…: ${written.length} files written (${written.map((w) => w.split(' ')[0]).join(', ')})`,
	};
}

/**
 * AlloMia: a list of contacts, one execution per call (the workflow runs itself per contact),
 * each waiting for its own callback without holding a worker; the calls end by themselves.
 */
async function runAlloMiaListExample(stack: Stack): Promise<Summary> {
	const example = EXAMPLES.alloMiaList;
	out(`\n== ${example.file}`);
	const workflow = prepareExample(example.file, {
		credentialIds: { alloMia: stack.credentials.alloMia.id },
	});
	const stored = await stack.client.createWorkflow(workflow);
	stack.sandbox.reset();
	const parent = await stack.client.waitForExecution(
		await stack.client.runManually(stored.id, example.triggerNode),
	);
	if (parent.status !== 'success')
		throw new Error(`the AlloMia list example ended with ${parent.status}`);
	const contacts = nodeOutput(parent, example.contactsNode)[0]?.json.contacts as
		| unknown[]
		| undefined;
	const count = contacts?.length ?? 0;
	out(
		`n8n:         execution ${parent.id} started ${count} executions of the same workflow, one per contact`,
	);
	const done = await waitFor(
		`the ${count} call executions to end`,
		async () => {
			const ids = (await stack.client.executionIds(stored.id)).filter((id) => id !== parent.id);
			if (ids.length < count) return undefined;
			const executions = await Promise.all(
				ids.map(async (id) => await stack.client.getExecution(id)),
			);
			return executions.every((e) => !['running', 'new', 'waiting'].includes(e.status))
				? executions
				: undefined;
		},
		{ timeoutMs: 120_000, intervalMs: 250 },
	);
	for (const request of stack.sandbox.requestsFor('allomia'))
		out(
			`AlloMia:     ${request.method} ${request.path} → HTTP ${request.status}, ${contractVerdict(request)}`,
		);
	const results = done.map((execution) => {
		const [result] = nodeOutput(execution, example.resultNode);
		return `${String(result?.json.contactId)} ${String(result?.json.callStatus)}`;
	});
	for (const [k, execution] of done.entries())
		out(`execution ${execution.id}: waited for its own callback → ${results[k]}`);
	return {
		file: example.file,
		result: `${done.length} executions, each resumed by its own callback: ${results.join(', ')}`,
	};
}

/** Fictional patients for the call-outcome-routing examples. */
const ROUTING_PATIENTS = [
	{ id: 'PAT-2001', firstName: 'Ana', lastName: 'Silva', phone: '+15550102001' },
	{ id: 'PAT-2002', firstName: 'Ben', lastName: 'Okafor', phone: '+15550102002' },
	{ id: 'PAT-2003', firstName: 'Cloe', lastName: 'Martin', phone: '+15550102003' },
];

/**
 * A call-outcome-routing example (the same Switch for the three providers): three appointments
 * posted to its webhook, each call ending by itself with a drawn outcome, and the first
 * appointment delivered again; per execution, the Switch output its call took and the row its
 * Edit Fields node wrote.
 */
async function runOutcomeRoutingExample(stack: Stack, example: RoutingExample): Promise<Summary> {
	out(`\n== ${example.file}`);
	const workflow = prepareExample(example.file, {
		credentialIds: {
			helloAnnie: stack.credentials.helloAnnie.id,
			alloMia: stack.credentials.alloMia.id,
			aiCaller: stack.credentials.aiCaller.id,
		},
		openCallingHours: true,
	});
	const stored = await stack.client.createWorkflow(workflow);
	await stack.client.activateWorkflow(stored);
	stack.sandbox.reset();
	const webhookPath = webhookPathOf(workflow);
	const appointments = ROUTING_PATIENTS.map((patient, index) =>
		sampleAppointment(`APT-${3001 + index}`, patient),
	);
	const patients = new Map(appointments.map((a) => [a.appointment.id, a.patient]));
	const post = async (appointment: (typeof appointments)[number], note = '') => {
		const { patient } = appointment;
		out(
			`appointment in: ${appointment.appointment.id} at ${appointment.appointment.start}, patient ${patient.id} ` +
				`${maskName(patient.firstName)} ${maskName(patient.lastName)}, phone ${maskPhone(patient.phone)}${note}`,
		);
		const answer = await stack.client.callWebhook(webhookPath, appointment);
		if (answer.status !== 200)
			throw new Error(`${example.file}: the webhook answered ${answer.status}`);
	};
	const creates = () =>
		stack.sandbox
			.requestsFor(example.provider)
			.filter((r) => r.method === 'POST' && r.path === example.createPath);
	for (const appointment of appointments) await post(appointment);
	// The booking system delivers the first appointment again once the calls are placed.
	await waitFor(
		`${example.file}: the calls to be placed`,
		async () => (creates().length >= appointments.length ? true : undefined),
		{ timeoutMs: 30_000, intervalMs: 100 },
	);
	await post(appointments[0], ' (delivered again)');

	const executions = await waitFor(
		`${example.file}: the executions to end`,
		async () => {
			const ids = await stack.client.executionIds(stored.id);
			if (ids.length < appointments.length + 1) return undefined;
			const all = await Promise.all(ids.map(async (id) => await stack.client.getExecution(id)));
			return all.every((e) => !['running', 'new', 'waiting'].includes(e.status)) ? all : undefined;
		},
		{ timeoutMs: 120_000, intervalMs: 250 },
	);
	const label = { helloannie: 'HelloAnnie', allomia: 'AlloMia', aicaller: 'AICaller' }[
		example.provider
	];
	for (const request of creates()) {
		const callee = (request.body as Record<string, unknown>)[example.calleeField];
		out(
			`${`${label}:`.padEnd(12)} ${request.method} ${request.path} to ${maskPhone(callee)} → HTTP ${request.status}, ${contractVerdict(request)}`,
		);
	}
	for (const request of stack.sandbox.requestsFor('helloannie'))
		if (request.method === 'POST' && request.path === '/sms')
			out(`HelloAnnie:  ${describeRequest(request)} (SMS follow-up)`);

	const taken: string[] = [];
	for (const execution of executions) {
		if (execution.status !== 'success')
			throw new Error(`${example.file}: execution ${execution.id} ended with ${execution.status}`);
		const { output, node, row } = routedRow(execution, example);
		const patient = patients.get(String(row.appointmentId));
		// Summaries may name the patient (AlloMia's "Call with … completed.").
		const summary =
			typeof row.summary === 'string' ? maskedText(row.summary, patient) : row.summary;
		out(
			`execution ${execution.id}: Route by outcome → "${output}" → ${node}: ${JSON.stringify({ ...row, summary })}`,
		);
		taken.push(node);
	}
	const counts = [...new Set(taken)].map(
		(node) => `${node} ×${taken.filter((t) => t === node).length}`,
	);
	return {
		file: example.file,
		result: `${appointments.length} calls and a repeat delivery: ${counts.join(', ')}`,
	};
}

async function main(): Promise<number> {
	const waitSeconds = argument('--wait-seconds', 3);
	const outcomes = textArgument('--call-outcomes');
	// Calls end half a second before the appointment workflow reads the outcome.
	const callMs = Math.max(500, waitSeconds * 1000 - 500);
	const callEnding: CallEndingOptions = {
		minMs: callMs,
		maxMs: callMs,
		...(outcomes ? { outcomes: parseOutcomeWeights(outcomes) } : {}),
	};
	const started = Date.now();
	const stack = await startStack({
		log: (message) => log(`[demo] ${message}`),
		sandbox: { callEnding },
	});
	stopOnSignals(() => stack.stop(), log);
	try {
		log(
			`[demo] n8n 2.41.1 ready in ${stack.timings.total} s at ${stack.n8n.url}; sandbox at ${stack.sandbox.url}`,
		);
		const summaries = [
			await runAppointmentExample(stack, waitSeconds),
			await runSmsCampaignExample(stack),
			await runAlloMiaExample(stack),
			await runAlloMiaListExample(stack),
			await runAiCallerExample(stack),
			await runAlloMiaFilesExample(stack),
			await runOutcomeRoutingExample(stack, EXAMPLES.helloAnnieRouting),
			await runOutcomeRoutingExample(stack, EXAMPLES.alloMiaRouting),
			await runOutcomeRoutingExample(stack, EXAMPLES.aiCallerRouting),
		];
		out('\n== Summary');
		const width = Math.max(...summaries.map((summary) => summary.file.length));
		for (const summary of summaries) out(`${summary.file.padEnd(width)}  ${summary.result}`);
		out(`\nDemo finished in ${Math.round((Date.now() - started) / 1000)} s.`);
		return 0;
	} catch (error) {
		log(`[demo] failed: ${error instanceof Error ? error.message : String(error)}`);
		log(`[demo] n8n log (last lines):\n${stack.n8n.logTail(30)}`);
		return 1;
	} finally {
		await stack.stop();
	}
}

main().then(
	(code) => process.exit(code),
	(error: unknown) => {
		log(`[demo] ${error instanceof Error ? error.message : String(error)}`);
		process.exit(1);
	},
);
