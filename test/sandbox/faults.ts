/**
 * Fault rules: which requests get a fault instead of (or before) their normal answer.
 * First matching rule wins, in the order they were injected; a rule is dropped once used `times` times.
 */
import type { Fault, FaultRule, ProviderName } from './types';

interface ActiveRule {
	rule: FaultRule;
	remaining: number;
	/** Matching requests still to let through before the fault applies. */
	toSkip: number;
}

export interface FaultTarget {
	provider: ProviderName;
	method: string;
	path: string;
	operationId: string | undefined;
	/** The request's body, once read; rules with bodyContains are looked at only then. */
	rawBody?: string;
}

const FAULT_KINDS = new Set([
	'delay',
	'reset-before-body',
	'reset-after-body',
	'malformed-json',
	'wrong-content-type',
	'empty-body',
]);

export class FaultBook {
	private rules: ActiveRule[] = [];

	add(rule: FaultRule): void {
		const times = rule.times ?? 1;
		if (!(times > 0)) throw new Error(`fault rule: times must be > 0 (got ${times})`);
		assertFault(rule.fault);
		const skip = rule.skip ?? 0;
		if (!(Number.isInteger(skip) && skip >= 0))
			throw new Error(`fault rule: skip must be a whole number >= 0 (got ${skip})`);
		if (
			rule.bodyContains !== undefined &&
			'kind' in rule.fault &&
			rule.fault.kind === 'reset-before-body'
		)
			throw new Error('fault rule: a reset-before-body fault cannot depend on the body');
		this.rules.push({ rule, remaining: times, toSkip: skip });
	}

	/** Returns the fault for this request, consuming one use of the rule. */
	take(target: FaultTarget): Fault | undefined {
		// A rule still letting requests through counts this one and leaves it to the other rules.
		const letThrough = new Set<ActiveRule>();
		for (const active of this.rules) {
			if (active.toSkip > 0 && matches(active.rule, target)) {
				active.toSkip -= 1;
				letThrough.add(active);
			}
		}
		const index = this.rules.findIndex(
			(active) => !letThrough.has(active) && matches(active.rule, target),
		);
		if (index < 0) return undefined;
		const active = this.rules[index];
		active.remaining -= 1;
		if (active.remaining <= 0) this.rules.splice(index, 1);
		return active.rule.fault;
	}

	clear(): void {
		this.rules = [];
	}

	/** For GET /__sandbox/faults: RegExps become {regex, flags}; Infinity becomes "Infinity". */
	describe(): unknown[] {
		return this.rules.map(({ rule, remaining }) => ({
			...rule,
			path:
				rule.path instanceof RegExp
					? { regex: rule.path.source, flags: rule.path.flags }
					: rule.path,
			remaining: Number.isFinite(remaining) ? remaining : 'Infinity',
			times: rule.times === undefined || Number.isFinite(rule.times) ? rule.times : 'Infinity',
		}));
	}
}

function matches(rule: FaultRule, target: FaultTarget): boolean {
	if (rule.provider !== undefined && rule.provider !== target.provider) return false;
	if (rule.method !== undefined && rule.method.toUpperCase() !== target.method.toUpperCase())
		return false;
	if (rule.operationId !== undefined && rule.operationId !== target.operationId) return false;
	// A rule on the body is looked at once the body is read, and only then; the others before.
	if (rule.bodyContains === undefined) {
		if (target.rawBody !== undefined) return false;
	} else if (target.rawBody === undefined || !target.rawBody.includes(rule.bodyContains)) {
		return false;
	}
	if (rule.path !== undefined) {
		if (rule.path instanceof RegExp) {
			// A /g or /y RegExp keeps lastIndex between test() calls; reset it so every request is tested afresh.
			rule.path.lastIndex = 0;
			if (!rule.path.test(target.path)) return false;
		} else if (rule.path !== target.path) {
			return false;
		}
	}
	return true;
}

function assertFault(fault: unknown): asserts fault is Fault {
	if (typeof fault !== 'object' || fault === null)
		throw new Error('fault rule: fault must be an object');
	const f = fault as Record<string, unknown>;
	if ('kind' in f) {
		if (typeof f.kind !== 'string' || !FAULT_KINDS.has(f.kind))
			throw new Error(`fault rule: unknown fault kind ${JSON.stringify(f.kind)}`);
		if (f.kind === 'delay' && !(typeof f.ms === 'number' && f.ms >= 0 && Number.isFinite(f.ms))) {
			throw new Error('fault rule: delay needs a finite ms >= 0');
		}
		return;
	}
	if (
		typeof f.status !== 'number' ||
		!Number.isInteger(f.status) ||
		f.status < 100 ||
		f.status > 599
	) {
		throw new Error('fault rule: fault needs a kind or an HTTP status (100-599)');
	}
	if (f.headers !== undefined && (typeof f.headers !== 'object' || f.headers === null)) {
		throw new Error('fault rule: headers must be an object');
	}
}

/**
 * A rule received as JSON over the control API: path may be a string or {regex, flags?};
 * times may be a number, "Infinity" or null (= Infinity), since JSON has no Infinity.
 */
export function faultRuleFromJson(json: unknown): FaultRule {
	if (typeof json !== 'object' || json === null)
		throw new Error('fault rule must be a JSON object');
	const input = json as Record<string, unknown>;
	const rule: FaultRule = { fault: input.fault as Fault };
	if (input.provider !== undefined) {
		if (
			input.provider !== 'helloannie' &&
			input.provider !== 'allomia' &&
			input.provider !== 'aicaller'
		) {
			throw new Error(`fault rule: unknown provider ${JSON.stringify(input.provider)}`);
		}
		rule.provider = input.provider;
	}
	if (input.method !== undefined) rule.method = String(input.method);
	if (input.operationId !== undefined) rule.operationId = String(input.operationId);
	if (typeof input.path === 'string') {
		rule.path = input.path;
	} else if (
		typeof input.path === 'object' &&
		input.path !== null &&
		typeof (input.path as { regex?: unknown }).regex === 'string'
	) {
		const { regex, flags } = input.path as { regex: string; flags?: unknown };
		rule.path = new RegExp(regex, typeof flags === 'string' ? flags : undefined);
	} else if (input.path !== undefined) {
		throw new Error('fault rule: path must be a string or {"regex": "..."}');
	}
	if (typeof input.bodyContains === 'string') rule.bodyContains = input.bodyContains;
	else if (input.bodyContains !== undefined)
		throw new Error('fault rule: bodyContains must be a string');
	if (typeof input.skip === 'number') rule.skip = input.skip;
	else if (input.skip !== undefined) throw new Error('fault rule: skip must be a number');
	if (input.times === null || input.times === 'Infinity') rule.times = Infinity;
	else if (typeof input.times === 'number') rule.times = input.times;
	else if (input.times !== undefined)
		throw new Error('fault rule: times must be a number, "Infinity" or null');
	assertFault(rule.fault);
	return rule;
}
