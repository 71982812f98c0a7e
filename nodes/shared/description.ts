/**
 * Assembles a node's panel from its resources: the Resource selector, one Operation selector
 * per resource, and each operation's own fields shown only for that resource and operation.
 * Operation modules therefore declare their fields without any displayOptions boilerplate.
 */
import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';
import type { Operation, Resource } from './types';

function showFor(resource: string, operation: string, existing?: IDisplayOptions): IDisplayOptions {
	return {
		...existing,
		show: { ...existing?.show, resource: [resource], operation: [operation] },
	};
}

function operationSelector(resource: Resource): INodeProperties {
	// Listed as declared, the most used first: n8n's nodes panel lists a node's actions in the
	// order of these options, resource by resource, so placing a call comes before the setup
	// operations. The default is the resource's first operation. It is held in a variable because the
	// node-param-default-missing rule accepts an identifier but not a member expression, and
	// n8n's community-package scanner ignores eslint-disable comments.
	const defaultOperation = resource.operations[0].value;
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: [resource.value] } },
		options: resource.operations.map((op) => ({
			name: op.name,
			value: op.value,
			description: op.description,
			action: op.action,
		})),
		default: defaultOperation,
	};
}

/** Fields every operation gets after its own, possibly depending on the operation. */
export type SharedProperties = INodeProperties[] | ((operation: Operation) => INodeProperties[]);

export function buildProperties(
	resources: Resource[],
	shared: SharedProperties = [],
): INodeProperties[] {
	// The first resource is the default; a variable for the same reason as in operationSelector.
	// Resources are listed as declared too, for the same reason as the operations.
	const defaultResource = resources[0].value;
	const properties: INodeProperties[] = [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: resources.map((r) => ({ name: r.name, value: r.value })),
			default: defaultResource,
		},
	];
	for (const resource of resources) properties.push(operationSelector(resource));
	for (const resource of resources) {
		for (const operation of resource.operations) {
			const common = typeof shared === 'function' ? shared(operation) : shared;
			for (const property of [...operation.properties, ...common]) {
				properties.push({
					...property,
					displayOptions: showFor(resource.value, operation.value, property.displayOptions),
				});
			}
		}
	}
	return properties;
}

export function findOperation(
	resources: Resource[],
	resource: string,
	operation: string,
): Operation | undefined {
	return resources.find((r) => r.value === resource)?.operations.find((o) => o.value === operation);
}

/** Return All / Limit, the n8n convention for Get Many operations. */
export function returnAllAndLimit(maxLimit?: number): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1, ...(maxLimit ? { maxValue: maxLimit } : {}) },
			default: 50,
			description: 'Max number of results to return',
			displayOptions: { show: { returnAll: [false] } },
		},
	];
}

/**
 * The options of a field whose values are a provider's constants (`POLISHED_PROFESSIONAL`), each
 * named in words (`Polished Professional`) and sent as it is.
 */
export function constantOptions(values: readonly string[]): Array<{ name: string; value: string }> {
	const words = (value: string) =>
		value
			.toLowerCase()
			.split('_')
			.map((word) => word[0].toUpperCase() + word.slice(1))
			.join(' ');
	return values.map((value) => ({ name: words(value), value }));
}
