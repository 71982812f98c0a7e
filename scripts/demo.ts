/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test and tooling code, not published: n8n's strict lint config (kept as is) applies the node rules to every .ts file */
/**
 * `npm run demo` (npx tsx scripts/demo.ts [--wait-seconds N]): builds the package, starts the
 * sandbox and the pinned n8n with the package installed as a community package, runs both
 * example workflows and prints what was sent to whom and what came back. Patient names and dates
 * of birth are masked, phone numbers shortened to their last four digits, API keys never shown.
 * Everything it started is stopped on exit, on failure and on Ctrl-C.
 */
import { EXAMPLES, prepareExample, sampleBooking, webhookPathOf } from './lib/examples';
import { nodeOutput, startStack, stopOnSignals, type Stack } from './lib/n8n-harness';
import type { RecordedRequest, Sandbox } from '../test/sandbox/server';

const log = (message: string) => process.stderr.write(`${message}\n`);
const out = (message = '') => process.stdout.write(`${message}\n`);

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

/**
 * A sandbox call stays OPEN; a real one ends with a summary. While n8n waits, the demo ends
 * every new call after `afterMs`, as HelloAnnie would once the patient hangs up.
 */
function endCallsAfter(sandbox: Sandbox, afterMs: number): () => void {
	const timer = setInterval(() => {
		for (const conversation of sandbox.helloAnnie.state.conversations) {
			const age = Date.now() - Date.parse(conversation.startTime);
			if (
				conversation.medium !== 'CALL' ||
				conversation.status !== 'OPEN' ||
				!conversation.request ||
				age < afterMs
			)
				continue;
			Object.assign(conversation, {
				status: 'CLOSED',
				summary:
					'The patient confirmed the appointment and asked for a text reminder the day before.',
				topic: 'Appointment confirmation',
				conversationTags: ['appointment-confirmation'],
				duration: 87,
				endTime: new Date().toISOString(),
			});
		}
	}, 100);
	return () => clearInterval(timer);
}

async function runAppointmentExample(stack: Stack, waitSeconds: number): Promise<void> {
	const example = EXAMPLES.appointment;
	out(`\n== ${example.file}`);
	const workflow = prepareExample(example.file, { credentialId: stack.credentials.helloAnnie.id });
	const stored = await stack.client.createWorkflow(workflow);
	await stack.client.activateWorkflow(stored);

	const booking = sampleBooking(waitSeconds);
	out(
		`booking in:  patient ${booking.patient.id} ${maskName(booking.patient.firstName)} ${maskName(booking.patient.lastName)}, ` +
			`DOB ${maskDob(booking.patient.dateOfBirth)}, phone ${maskPhone(booking.patient.phone)}, ` +
			`appointment ${booking.appointment.id} at ${booking.appointment.start}; the workflow waits ${waitSeconds} s`,
	);
	stack.sandbox.reset();
	const stopEnding = endCallsAfter(stack.sandbox, Math.max(0, waitSeconds * 1000 - 500));
	let result;
	try {
		result = await stack.client.runWebhook(stored.id, webhookPathOf(workflow), booking);
	} finally {
		stopEnding();
	}
	for (const request of stack.sandbox.requestsFor('helloannie'))
		out(`HelloAnnie:  ${describeRequest(request)}`);
	out(`answered:    HTTP ${result.answer.status} ${JSON.stringify(result.answer.body)}`);
	if (result.execution.status !== 'success' || result.answer.status !== 200) {
		throw new Error(
			`the appointment workflow ended with ${result.execution.status} / HTTP ${result.answer.status}`,
		);
	}
}

async function runSmsCampaignExample(stack: Stack): Promise<void> {
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
}

async function main(): Promise<number> {
	const waitSeconds = argument('--wait-seconds', 3);
	const started = Date.now();
	const stack = await startStack({ log: (message) => log(`[demo] ${message}`) });
	stopOnSignals(() => stack.stop(), log);
	try {
		log(
			`[demo] n8n 2.41.1 ready in ${stack.timings.total} s at ${stack.n8n.url}; sandbox at ${stack.sandbox.url}`,
		);
		await runAppointmentExample(stack, waitSeconds);
		await runSmsCampaignExample(stack);
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
