import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { buildProperties } from '../shared/description';
import { executeOperation, requestOptionsProperties } from '../shared/router';
import { alloMia } from './provider';
import { alloMiaResources } from './resources';

export class AlloMia implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AlloMia',
		name: 'alloMia',
		icon: { light: 'file:allomia.svg', dark: 'file:allomia.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		// The nodes panel shows the trigger's description under this node's entry: the two begin alike.
		description:
			'Have an AlloMia AI assistant call patients or customers, and read the outcome of their calls',
		defaults: { name: 'AlloMia' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'alloMiaApi', required: true }],
		properties: buildProperties(alloMiaResources, requestOptionsProperties),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeOperation(this, alloMia, alloMiaResources);
	}
}
