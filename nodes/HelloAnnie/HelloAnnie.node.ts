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
import {
	authenticationProperty,
	helloAnnie,
	helloAnnieCredentials,
	HELLOANNIE_DESCRIPTION,
} from './provider';
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
		description: HELLOANNIE_DESCRIPTION,
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
