/**
 * A credential's connection test ("Test" / saving a credential in the editor) as n8n 2.41.1's
 * server runs it (its CredentialsTester): the type's `test.request` is made through n8n-core's
 * RoutingNode with the credential's authentication; an answer outside 2xx is checked against the
 * type's `test.rules` (a responseCode rule gives its message), else reported by its status text;
 * a request that got no answer at all is reported by its error code (ECONNREFUSED, ENOTFOUND …),
 * which no rule can change. The editor shows the message under "More details".
 */
import { ExecuteContext, RoutingNode } from 'n8n-core';
import {
	createEmptyRunExecutionData,
	NodeConnectionTypes,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentialTestRequest,
	type INode,
	type INodeType,
	type INodeTypes,
} from 'n8n-workflow';
import { makeAdditionalData, storedWorkflow } from './n8n-core';

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
}

export async function testCredential(
	type: string,
	test: ICredentialTestRequest,
	data: ICredentialDataDecryptedObject,
): Promise<CredentialTestResult> {
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: 'test.credentialTest',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { [type]: { id: 'credential-under-test', name: type } },
	};
	// The stand-in node n8n builds for a test: one field whose routing is the test's request.
	const nodeType: INodeType = {
		description: {
			displayName: 'Temp',
			name: 'test.credentialTest',
			group: ['transform'],
			version: 1,
			description: '',
			defaults: {},
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			credentials: [{ name: type, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					default: '',
					routing: { request: test.request },
				},
			],
		},
	};
	const nodeTypes: INodeTypes = {
		getByName: () => nodeType,
		getByNameAndVersion: () => nodeType,
		getKnownTypes: () => ({}),
	};
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	const workflowData = storedWorkflow('credential-test', 'credential test', [node], {});
	const context = new ExecuteContext(
		workflow,
		node,
		makeAdditionalData(workflowData, { [type]: data }),
		'internal',
		createEmptyRunExecutionData(),
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);
	const routingNode = new RoutingNode(context, nodeType, {
		id: 'credential-under-test',
		name: type,
		type,
		data,
	});
	try {
		await workflow.expression.acquireIsolate();
		await routingNode.runNode();
	} catch (error) {
		const cause = (
			error as { cause?: { response?: { status: number; statusText?: string }; code?: string } }
		).cause;
		if (cause?.response) {
			const { status, statusText } = cause.response;
			for (const rule of test.rules ?? []) {
				if (rule.type === 'responseCode' && rule.properties.value === status)
					return { status: 'Error', message: rule.properties.message };
			}
			if (status < 199 || status > 299)
				return { status: 'Error', message: statusText || `Received HTTP status code: ${status}` };
		} else if (cause?.code) {
			return { status: 'Error', message: cause.code };
		}
		return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
	} finally {
		await workflow.expression.releaseIsolate();
	}
	return { status: 'OK', message: 'Connection successful!' };
}
