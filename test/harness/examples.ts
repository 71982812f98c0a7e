/**
 * The importable example workflows in examples/, prepared for a given n8n: the credential
 * placeholders replaced by real credential ids, the CSV paths pointed at the run's files folder.
 * Shared by the e2e tests and the demo so both run exactly the files users import.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { nodeOutput, type Execution, type WorkflowJson } from './client';
import { CREDENTIAL_TYPES, REPO_ROOT } from './project';

const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

/**
 * The node names the three call-outcome-routing examples share: one Switch, the same outputs and
 * the same row nodes, whichever provider places the call.
 */
const OUTCOME_ROUTING = {
	webhookNode: 'Appointment webhook',
	callNode: 'Call the patient',
	switchNode: 'Route by outcome',
	smsNode: 'SMS follow-up',
	/** The Switch's outputs, in order: its five rules, then the fallback. */
	switchOutputs: [
		'not called',
		'completed',
		'voicemail',
		'call_later',
		'do_not_call',
		'anything else',
	],
	/** The Edit Fields nodes that write the row a spreadsheet would get, one per way a call ends. */
	rowNodes: [
		'Not called',
		'Mark confirmed',
		'Mark voicemail',
		'Schedule call back',
		'Flag do not call',
		'Retry later',
	],
} as const;

export const EXAMPLES = {
	appointment: {
		file: 'helloannie-appointment-confirmation-call.json',
		webhookNode: 'Booking webhook',
		callNode: 'Start confirmation call',
		waitNode: 'Wait for the call',
		outcomeNode: 'Get call outcome',
		shapeNode: 'Shape outcome',
	},
	smsCampaign: {
		file: 'helloannie-sms-campaign-from-csv.json',
		triggerNode: 'Run campaign',
		settingsNode: 'Campaign settings',
		smsNode: 'Send first SMS',
		summaryNode: 'Campaign summary',
		csvFile: 'patients.csv',
	},
	alloMiaCrm: {
		file: 'allomia-outbound-call-crm-update.json',
		webhookNode: 'New contact to call',
		callNode: 'Call the contact',
		crmNode: 'CRM record',
		notPlacedNode: 'CRM record: call not placed',
	},
	alloMiaList: {
		file: 'allomia-call-list-one-execution-per-call.json',
		triggerNode: 'Run campaign',
		contactsNode: 'Contacts to call',
		callNode: 'Call the contact',
		resultNode: 'Call result',
	},
	aiCallerCampaign: {
		file: 'aicaller-calls-from-spreadsheet.json',
		triggerNode: 'Run campaign',
		settingsNode: 'Campaign settings',
		callNode: 'Create calls',
		resultNode: 'Result per contact',
		writeNode: 'Write results CSV',
		csvFile: 'contacts.csv',
	},
	alloMiaFiles: {
		file: 'allomia-call-files-to-disk.json',
		triggerNode: 'Run',
		settingsNode: 'Call to store',
		getNode: 'Get call with files',
		transcriptNode: 'Save transcript',
		recordingNode: 'Save recording',
	},
	helloAnnieRouting: {
		file: 'helloannie-call-outcome-routing.json',
		provider: 'helloannie',
		/** The provider's create request, and where the number called is in its body. */
		createPath: '/calls',
		calleeField: 'toNumber',
		...OUTCOME_ROUTING,
	},
	alloMiaRouting: {
		file: 'allomia-call-outcome-routing.json',
		provider: 'allomia',
		createPath: '/api/outbound',
		calleeField: 'phoneNumber',
		...OUTCOME_ROUTING,
	},
	aiCallerRouting: {
		file: 'aicaller-call-outcome-routing.json',
		provider: 'aicaller',
		createPath: '/v1/phoneCalls',
		calleeField: 'toPhoneNumber',
		...OUTCOME_ROUTING,
	},
} as const;

export type RoutingExample =
	| (typeof EXAMPLES)['helloAnnieRouting']
	| (typeof EXAMPLES)['alloMiaRouting']
	| (typeof EXAMPLES)['aiCallerRouting'];

/** The id the examples carry; n8n users pick their own credential after importing. */
const CREDENTIAL_PLACEHOLDER = 'REPLACE_WITH_HELLOANNIE_CREDENTIAL_ID';
const CREDENTIAL_NAME = 'HelloAnnie account';

/** Per provider: the credential slot the examples fill in, with its placeholder id and name. */
const EXAMPLE_CREDENTIALS = {
	helloAnnie: {
		type: CREDENTIAL_TYPES.helloAnnie,
		placeholder: CREDENTIAL_PLACEHOLDER,
		name: CREDENTIAL_NAME,
	},
	alloMia: {
		type: CREDENTIAL_TYPES.alloMia,
		placeholder: 'REPLACE_WITH_ALLOMIA_CREDENTIAL_ID',
		name: 'AlloMia account',
	},
	aiCaller: {
		type: CREDENTIAL_TYPES.aiCaller,
		placeholder: 'REPLACE_WITH_AICALLER_CREDENTIAL_ID',
		name: 'AICaller account',
	},
} as const;
type ExampleProvider = keyof typeof EXAMPLE_CREDENTIALS;

export interface PrepareOptions {
	/** The HelloAnnie credential's id (the HelloAnnie examples). */
	credentialId?: string;
	/** Credential ids by provider (the AlloMia and AICaller examples); wins over credentialId. */
	credentialIds?: Partial<Record<ExampleProvider, string>>;
	/** Absolute path of the CSV the example reads (its "Campaign settings" csvPath). */
	csvPath?: string;
	/** Absolute path the AICaller example writes its results CSV to (resultsPath). */
	resultsPath?: string;
	/** Folder the AlloMia files example writes the transcript and recording to (its "Call to store" folder). */
	folder?: string;
	/** A webhook path of its own (paths are unique per n8n instance). */
	webhookPath?: string;
	/** Workflow name suffix, to tell copies apart in the editor. */
	nameSuffix?: string;
	/**
	 * The appointment example calls only 9:00–20:00 Monday–Saturday in the patient's zone. Tests and
	 * the demo run at any hour: this opens the window on every day, in a zone where it is midday now.
	 */
	openCallingHours?: boolean;
}

/** A fixed-offset zone in which the local time is now between 11:00 and 13:00. */
function zoneAtMidday(now = new Date()): string {
	const offset = 12 - now.getUTCHours();
	// Etc/GMT zones count the other way round: Etc/GMT-3 is UTC+3.
	return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

function readExample(file: string): WorkflowJson {
	return JSON.parse(readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as WorkflowJson;
}

export function prepareExample(file: string, options: PrepareOptions): WorkflowJson {
	const workflow = readExample(file);
	let credentialSlots = 0;
	const ids: Partial<Record<ExampleProvider, string>> = {
		helloAnnie: options.credentialId,
		...options.credentialIds,
	};
	for (const node of workflow.nodes) {
		for (const [provider, expected] of Object.entries(EXAMPLE_CREDENTIALS) as Array<
			[ExampleProvider, (typeof EXAMPLE_CREDENTIALS)[ExampleProvider]]
		>) {
			const slot = node.credentials?.[expected.type];
			if (!slot) continue;
			if (slot.id !== expected.placeholder || slot.name !== expected.name) {
				throw new Error(
					`${file}: node "${node.name}" must reference "${expected.name}" with id ${expected.placeholder}`,
				);
			}
			const id = ids[provider];
			if (!id) throw new Error(`${file} needs a ${expected.type} credential id`);
			slot.id = id;
			credentialSlots++;
		}
		if (options.webhookPath && node.type === 'n8n-nodes-base.webhook') {
			node.parameters.path = options.webhookPath;
			node.webhookId = randomUUID();
		}
	}
	if (credentialSlots === 0) throw new Error(`${file} has no credential to substitute`);
	if (options.csvPath) setAssignment(workflow, settingsNodeOf(file), 'csvPath', options.csvPath);
	if (options.resultsPath)
		setAssignment(workflow, settingsNodeOf(file), 'resultsPath', options.resultsPath);
	if (options.folder) setAssignment(workflow, settingsNodeOf(file), 'folder', options.folder);
	if (options.nameSuffix) workflow.name = `${workflow.name} ${options.nameSuffix}`;
	if (options.openCallingHours) {
		for (const node of workflow.nodes) {
			const hours = (
				(node.parameters.requestOptions as Record<string, unknown> | undefined)?.callingHours as
					| { hours?: Record<string, unknown> }
					| undefined
			)?.hours;
			if (!hours) continue;
			hours.timeZone = zoneAtMidday();
			hours.days = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
		}
	}
	return workflow;
}

/** The node of an example that holds its settings (file paths, IDs). */
function settingsNodeOf(file: string): string {
	for (const example of Object.values(EXAMPLES)) {
		if (example.file === file && 'settingsNode' in example) return example.settingsNode;
	}
	throw new Error(`${file} has no settings node`);
}

interface Assignment {
	name: string;
	value: unknown;
}

function setAssignment(
	workflow: WorkflowJson,
	nodeName: string,
	field: string,
	value: string,
): void {
	const node = workflow.nodes.find((n) => n.name === nodeName);
	const assignments = (node?.parameters.assignments as { assignments?: Assignment[] } | undefined)
		?.assignments;
	const assignment = assignments?.find((a) => a.name === field);
	if (!assignment) throw new Error(`example has no "${field}" in node "${nodeName}"`);
	assignment.value = value;
}

export function webhookPathOf(workflow: WorkflowJson): string {
	const node = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.webhook');
	if (!node || typeof node.parameters.path !== 'string')
		throw new Error(`${workflow.name} has no webhook`);
	return node.parameters.path;
}

/** What a CRM would POST to the AlloMia example (a fictional contact; seed 002's variables). */
export function sampleContact() {
	return {
		contact: { id: 'CRM-2041', name: 'John Doe', phone: '+1 (514) 555-1234' },
		appointment: { slot: '2026-04-01T10:00:00Z', practitioner: 'Dr. Smith' },
	};
}

/** What a booking system / EHR would POST to the appointment example (fictional patient). */
export function sampleBooking(waitSeconds: number) {
	return {
		patient: {
			id: 'PAT-10432',
			firstName: 'Sarah',
			lastName: 'Johnson',
			dateOfBirth: '1988-03-22',
			phone: '+1 (555) 987-6543',
		},
		appointment: {
			id: '81260683',
			typeId: 'apt-type-cleaning',
			description: '6-month routine cleaning and exam',
			start: '2025-03-10T15:00:00-06:00',
			end: '2025-03-10T15:30:00-06:00',
		},
		waitSeconds,
	};
}

/** What a booking system would POST to the call-outcome-routing examples (a fictional patient). */
export function sampleAppointment(
	appointmentId: string,
	patient: { id: string; firstName: string; lastName: string; phone: string },
) {
	return {
		patient: { ...patient, timeZone: 'America/New_York' },
		appointment: { id: appointmentId, start: '2026-06-02T10:00:00-04:00' },
	};
}

/**
 * What one execution of a call-outcome-routing example did: the Switch output its item took, and
 * the row node that ran with the row it wrote. Throws unless exactly one output and one row node
 * got the item: the Switch sends each item one way.
 */
export function routedRow(
	execution: Execution,
	example: RoutingExample,
): { output: string; node: string; row: IDataObject } {
	const run = execution.data.resultData.runData[example.switchNode]?.[0];
	const outputs = example.switchOutputs.filter(
		(_, index) => (run?.data?.main?.[index] ?? []).length > 0,
	);
	const ran = example.rowNodes.filter((node) => execution.data.resultData.runData[node]);
	if (outputs.length !== 1 || ran.length !== 1)
		throw new Error(
			`execution ${execution.id} (${execution.status}): Switch outputs [${outputs.join(', ')}], row nodes [${ran.join(', ')}]`,
		);
	const rows = nodeOutput(execution, ran[0]);
	if (rows.length !== 1)
		throw new Error(`execution ${execution.id}: "${ran[0]}" wrote ${rows.length} rows`);
	return { output: outputs[0], node: ran[0], row: rows[0].json };
}
