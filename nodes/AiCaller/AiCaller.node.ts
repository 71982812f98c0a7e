import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { buildProperties } from '../shared/description';
import { executeOperation, requestOptionsProperties } from '../shared/router';
import { aiCaller } from './provider';
import { aiCallerResources } from './resources';

export class AiCaller implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AICaller',
		name: 'aiCaller',
		icon: { light: 'file:aicaller.svg', dark: 'file:aicaller.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		// The nodes panel shows the trigger's description under this node's entry: the two begin alike.
		description: 'Place AI phone calls with AICaller, one by one or in batches, and read their results',
		defaults: { name: 'AICaller' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'aiCallerApi', required: true }],
		properties: buildProperties(aiCallerResources, requestOptionsProperties),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeOperation(this, aiCaller, aiCallerResources);
	}
}
