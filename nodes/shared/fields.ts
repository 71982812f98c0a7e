/**
 * Reads an operation's panel fields for one item, the way n8n's own nodes do: one
 * `getNodeParameter` per field, so expressions, their security rules and n8n's post-processing
 * of parameters are exactly n8n's, in whatever n8n version runs the node.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

export function readFields(
	fn: IExecuteFunctions,
	itemIndex: number,
	properties: INodeProperties[],
): IDataObject {
	const input: IDataObject = {};
	for (const property of properties) {
		input[property.name] = fn.getNodeParameter(property.name, itemIndex, property.default, {
			// A resource locator's value, whichever mode (list, typed, expression) was used.
			extractValue: property.type === 'resourceLocator',
		}) as IDataObject[string];
	}
	return input;
}
