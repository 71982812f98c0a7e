import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { buildProperties } from '../shared/description';
import { sharedProperties } from '../shared/options';
import { executeOperation } from '../shared/router';
import { authenticationProperty, helloAnnie, helloAnnieCredentials } from './provider';
import { searchBots, searchPhoneNumbers } from './listSearch';
import { helloAnnieResources } from './resources';

export class HelloAnnie implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HelloAnnie',
		name: 'helloAnnie',
		icon: { light: 'file:helloannie.svg', dark: 'file:helloannie.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		// The nodes panel shows the trigger's description under this node's entry: the two begin alike.
		description:
			'Call or text patients through HelloAnnie, the dental AI receptionist: appointment confirmations, reminders, recalls',
		defaults: { name: 'HelloAnnie' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: helloAnnieCredentials,
		properties: [
			authenticationProperty,
			...buildProperties(helloAnnieResources, sharedProperties(helloAnnie)),
		],
	};

	methods = { listSearch: { searchPhoneNumbers, searchBots } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeOperation(this, helloAnnie, helloAnnieResources);
	}
}
