/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test and tooling code, not published: n8n's strict lint config (kept as is) applies the node rules to every .ts file */
/**
 * The importable example workflows in examples/, prepared for a given n8n: the credential
 * placeholder replaced by a real credential id, the CSV path pointed at the run's files folder.
 * Shared by the e2e tests and the demo so both run exactly the files users import.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { CREDENTIAL_TYPES, REPO_ROOT, type WorkflowJson } from './n8n-harness';

export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

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
} as const;

/** The id the examples carry; n8n users pick their own credential after importing. */
export const CREDENTIAL_PLACEHOLDER = 'REPLACE_WITH_HELLOANNIE_CREDENTIAL_ID';
export const CREDENTIAL_NAME = 'HelloAnnie account';

export interface PrepareOptions {
	credentialId: string;
	/** Absolute path of the CSV for the SMS campaign's "Campaign settings". */
	csvPath?: string;
	/** A webhook path of its own (paths are unique per n8n instance). */
	webhookPath?: string;
	/** Workflow name suffix, to tell copies apart in the editor. */
	nameSuffix?: string;
}

export function readExample(file: string): WorkflowJson {
	return JSON.parse(readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as WorkflowJson;
}

export function prepareExample(file: string, options: PrepareOptions): WorkflowJson {
	const workflow = readExample(file);
	let credentialSlots = 0;
	for (const node of workflow.nodes) {
		const slot = node.credentials?.[CREDENTIAL_TYPES.helloAnnie];
		if (slot) {
			if (slot.id !== CREDENTIAL_PLACEHOLDER || slot.name !== CREDENTIAL_NAME) {
				throw new Error(
					`${file}: node "${node.name}" must reference "${CREDENTIAL_NAME}" with id ${CREDENTIAL_PLACEHOLDER}`,
				);
			}
			slot.id = options.credentialId;
			credentialSlots++;
		}
		if (options.webhookPath && node.type === 'n8n-nodes-base.webhook') {
			node.parameters.path = options.webhookPath;
			node.webhookId = randomUUID();
		}
	}
	if (credentialSlots === 0) throw new Error(`${file} has no HelloAnnie credential to substitute`);
	if (options.csvPath)
		setAssignment(workflow, EXAMPLES.smsCampaign.settingsNode, 'csvPath', options.csvPath);
	if (options.nameSuffix) workflow.name = `${workflow.name} ${options.nameSuffix}`;
	return workflow;
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
