/**
 * The pre-dial guard: calling-hours decisions (zones east and west of UTC, daylight-saving
 * changes, a window across midnight) and, through the nodes against the sandbox, deduplication
 * keys (claimed before sending, released on a definite refusal, kept on an uncertain outcome,
 * forgotten on request) and calling hours (skip with nextAllowedAt, or AICaller scheduling).
 */
import type { IDataObject } from 'n8n-workflow';
import {
	checkCallingHours,
	parseClock,
	WEEKDAYS,
	type CallingHours,
} from '../../nodes/shared/callingHours';
import { useSandbox } from '../in-process/sandbox';
import { setStoreLatency } from '../in-process/deduplication';
import { runAiCaller, runHelloAnnie } from '../in-process/providers';
import { SANDBOX_FIXTURES } from '../sandbox/server';

const MON_TO_SAT = new Set([1, 2, 3, 4, 5, 6]);
const hours = (
	timeZone: string,
	earliest: string,
	latest: string,
	days = MON_TO_SAT,
): CallingHours => ({
	timeZone,
	earliest: parseClock(earliest)!,
	latest: parseClock(latest)!,
	days,
});
const at = (iso: string) => Date.parse(iso);
const next = (h: CallingHours, iso: string) => {
	const check = checkCallingHours(h, at(iso));
	return check.open ? 'open' : new Date(check.nextAllowedAt).toISOString();
};

describe('calling hours', () => {
	test('west of UTC: 9:00–20:00 in New York', () => {
		const ny = hours('America/New_York', '09:00', '20:00');
		// Wednesday 2026-12-02: EST is UTC-5.
		expect(next(ny, '2026-12-02T14:00:00Z')).toBe('open');
		expect(next(ny, '2026-12-02T13:59:59Z')).toBe('2026-12-02T14:00:00.000Z');
		expect(next(ny, '2026-12-03T01:00:00Z')).toBe('2026-12-03T14:00:00.000Z'); // 20:00 local is closed
		expect(next(ny, '2026-12-03T00:59:59Z')).toBe('open');
		// Saturday evening → Monday morning (Sunday is not a day).
		expect(next(ny, '2026-12-06T02:00:00Z')).toBe('2026-12-07T14:00:00.000Z');
	});

	test('east of UTC: Tokyo, where the local day starts on the previous UTC day', () => {
		const tokyo = hours('Asia/Tokyo', '09:00', '20:00');
		// 2026-12-06T23:30Z is Monday 08:30 in Tokyo.
		expect(next(tokyo, '2026-12-06T23:30:00Z')).toBe('2026-12-07T00:00:00.000Z');
		expect(next(tokyo, '2026-12-07T00:00:00Z')).toBe('open');
		// Sunday 10:00 in Tokyo (Saturday 01:00Z) is closed until Monday 09:00.
		expect(next(tokyo, '2026-12-06T01:00:00Z')).toBe('2026-12-07T00:00:00.000Z');
	});

	test('daylight-saving changes move the instants, not the local times', () => {
		const ny = hours('America/New_York', '09:00', '20:00', new Set([0, 1, 2, 3, 4, 5, 6]));
		// Sunday 2026-03-08: clocks go from EST (UTC-5) to EDT (UTC-4) at 02:00.
		expect(next(ny, '2026-03-08T05:00:00Z')).toBe('2026-03-08T13:00:00.000Z');
		expect(next(ny, '2026-03-07T14:00:00Z')).toBe('open');
		expect(next(ny, '2026-03-08T13:30:00Z')).toBe('open');
		// Sunday 2026-11-01: back to EST; the window opens at 14:00Z again.
		expect(next(ny, '2026-11-01T06:00:00Z')).toBe('2026-11-01T14:00:00.000Z');
		// Saturday 20:30 EDT (00:30Z) is closed: the next window is Sunday 09:00 EST.
		expect(next(ny, '2026-11-01T00:30:00Z')).toBe('2026-11-01T14:00:00.000Z');
		expect(next(ny, '2026-10-31T23:30:00Z')).toBe('open');
	});

	test('a window across midnight belongs to the day it opens on', () => {
		const night = hours('Europe/Paris', '20:00', '02:00', new Set([5])); // Friday 20:00 → Saturday 02:00
		// Friday 2026-12-04 21:00 Paris (UTC+1) = 20:00Z.
		expect(next(night, '2026-12-04T20:00:00Z')).toBe('open');
		// Saturday 01:30 Paris: still Friday's window.
		expect(next(night, '2026-12-05T00:30:00Z')).toBe('open');
		// Saturday 02:00 Paris: closed until next Friday 20:00.
		expect(next(night, '2026-12-05T01:00:00Z')).toBe('2026-12-11T19:00:00.000Z');
		// Thursday 23:00 Paris: not a window day (Wednesday's window does not exist).
		expect(next(night, '2026-12-03T22:00:00Z')).toBe('2026-12-04T19:00:00.000Z');
	});

	test('clock texts', () => {
		expect(parseClock('9:00')).toBe(540);
		expect(parseClock('20:30')).toBe(1230);
		expect(parseClock('24:00')).toBeUndefined();
		expect(parseClock('9am')).toBeUndefined();
		expect(WEEKDAYS[0]).toBe('sunday');
	});
});

const sandbox = useSandbox();

const annieCall = (requestOptions: IDataObject) => ({
	resource: 'call',
	operation: 'start',
	fromNumber: '+15551234567',
	toNumber: '={{ $json.phone }}',
	requestOptions,
});
const calls = () =>
	sandbox.requestsFor('helloannie').filter((r) => r.method === 'POST' && r.path === '/calls');
const byKey = { deduplicationKey: '={{ $json.appointmentId }}' };

describe('Deduplication Key', () => {
	test('a key is dialed once: in the same execution and in a later one', async () => {
		// Production runs (a trigger started them); editor runs: see below.
		const production = 'trigger' as const;
		const first = await runHelloAnnie(sandbox, annieCall(byKey), {
			mode: production,
			items: [
				{ appointmentId: 'appt-1', phone: '+15559876543' },
				{ appointmentId: 'appt-1', phone: '+15559876543' },
				{ appointmentId: 'appt-2', phone: '+15559876544' },
			],
		});
		expect(calls().map((r) => (r.body as IDataObject).toNumber)).toEqual([
			'+15559876543',
			'+15559876544',
		]);
		expect(first.items[1]).toEqual({
			json: { skipped: true, skipReason: 'duplicate', deduplicationKey: 'appt-1' },
			pairedItem: { item: 1 },
		});
		expect(first.items[0].json).toMatchObject({ skipped: false, skipReason: null });
		expect(first.items[0].json.conversationId).toBeDefined();

		const second = await runHelloAnnie(sandbox, annieCall(byKey), {
			mode: production,
			items: [{ appointmentId: 'appt-2', phone: '+15559876544' }],
		});
		expect(calls()).toHaveLength(2);
		expect(second.items[0].json).toEqual({
			skipped: true,
			skipReason: 'duplicate',
			deduplicationKey: 'appt-2',
		});
	});

	test('runs started in the editor record their keys apart: testing with a real appointment does not use up its key', async () => {
		const appointment = { appointmentId: 'appt-editor', phone: '+15559876545' };
		const dialed = () => calls().map((r) => (r.body as IDataObject).toNumber);
		// "Execute step" in the editor: the call is placed, the item says where its key went.
		const editor = await runHelloAnnie(sandbox, annieCall(byKey), { items: [appointment] });
		expect(editor.items[0].json).toMatchObject({
			skipped: false,
			skipReason: null,
			deduplicationKey: 'appt-editor',
			deduplicationScope: 'editorRuns',
		});
		// Clicked again: not dialed twice.
		const again = await runHelloAnnie(sandbox, annieCall(byKey), { items: [appointment] });
		expect(again.items[0].json).toEqual({
			skipped: true,
			skipReason: 'duplicate',
			deduplicationKey: 'appt-editor',
			deduplicationScope: 'editorRuns',
		});
		expect(dialed()).toEqual([appointment.phone]);
		// The live workflow (a trigger started it) still calls the patient, once.
		const live = await runHelloAnnie(sandbox, annieCall(byKey), {
			mode: 'webhook',
			items: [appointment, appointment],
		});
		expect(live.items.map((item) => item.json.skipReason)).toEqual([null, 'duplicate']);
		expect(live.items[0].json.deduplicationScope).toBeUndefined();
		expect(dialed()).toEqual([appointment.phone, appointment.phone]);
		// An editor run never dials a patient a production run already called.
		const liveOnly = { appointmentId: 'appt-live', phone: '+15559876546' };
		await runHelloAnnie(sandbox, annieCall(byKey), { mode: 'trigger', items: [liveOnly] });
		const tested = await runHelloAnnie(sandbox, annieCall(byKey), { items: [liveOnly] });
		expect(tested.items[0].json).toEqual({
			skipped: true,
			skipReason: 'duplicate',
			deduplicationKey: 'appt-live',
			deduplicationScope: 'production',
		});
		expect(dialed()).toEqual([appointment.phone, appointment.phone, liveOnly.phone]);
		// Checking a production key from the editor leaves nothing behind: a new key stays new.
		const fresh = { appointmentId: 'appt-fresh', phone: '+15559876547' };
		await runHelloAnnie(sandbox, annieCall(byKey), { items: [fresh] });
		const freshLive = await runHelloAnnie(sandbox, annieCall(byKey), {
			mode: 'trigger',
			items: [fresh],
		});
		expect(freshLive.items[0].json).toMatchObject({ skipped: false, skipReason: null });
	});

	test('Forget Deduplication Keys, run from the editor, forgets a key for production and editor runs', async () => {
		const appointment = { appointmentId: 'appt-forget', phone: '+15559876548' };
		await runHelloAnnie(sandbox, annieCall(byKey), { mode: 'trigger', items: [appointment] });
		await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ ...appointment, appointmentId: 'appt-forget-2' }],
		});
		const forget = { ...byKey, forgetDeduplicationKeys: true };
		await runHelloAnnie(sandbox, annieCall(forget), {
			items: [appointment, { ...appointment, appointmentId: 'appt-forget-2' }],
		});
		const live = await runHelloAnnie(sandbox, annieCall(byKey), {
			mode: 'trigger',
			items: [appointment],
		});
		expect(live.items[0].json).toMatchObject({ skipped: false });
		const editor = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ ...appointment, appointmentId: 'appt-forget-2' }],
		});
		expect(editor.items[0].json).toMatchObject({ skipped: false });
	});

	test('a create the provider refused (4xx) releases its key: the item can be run again', async () => {
		sandbox.inject({
			provider: 'helloannie',
			path: '/calls',
			fault: { status: 400, body: { success: false, message: 'Outside outbound hours' } },
		});
		const refused = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ appointmentId: 'appt-9', phone: '+15559876543' }],
			continueOnFail: true,
		});
		expect(refused.items[0].json.error).toMatch(/HTTP 400/);
		expect((refused.items[0].json.details as IDataObject).description).toMatch(
			/Deduplication Key was released/,
		);

		const retried = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ appointmentId: 'appt-9', phone: '+15559876543' }],
		});
		expect(retried.error).toBeUndefined();
		expect(retried.items[0].json.conversationId).toBeDefined();
		expect(calls()).toHaveLength(2);
	});

	test('an uncertain create (5xx) keeps its key, says so, and is not dialed again until the key is forgotten', async () => {
		sandbox.inject({ provider: 'helloannie', path: '/calls', fault: { status: 503 } });
		const uncertain = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ appointmentId: 'appt-5', phone: '+15559876543' }],
		});
		expect(uncertain.error?.message).toMatch(/may or may not have been processed/);
		expect(uncertain.error?.description).toMatch(/Deduplication Key stays recorded/);
		expect(uncertain.error?.description).not.toMatch(/appt-5/);

		const again = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ appointmentId: 'appt-5', phone: '+15559876543' }],
		});
		expect(again.items[0].json.skipReason).toBe('duplicate');
		expect(calls()).toHaveLength(1);

		const forget = await runHelloAnnie(
			sandbox,
			annieCall({ ...byKey, forgetDeduplicationKeys: true }),
			{
				items: [{ appointmentId: 'appt-5', phone: '+15559876543' }],
			},
		);
		expect(forget.items[0].json).toEqual({ deduplicationKey: 'appt-5', keyForgotten: true });
		expect(calls()).toHaveLength(1);

		const redial = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ appointmentId: 'appt-5', phone: '+15559876543' }],
		});
		expect(redial.items[0].json.conversationId).toBeDefined();
		expect(calls()).toHaveLength(2);
	});

	test('executions at the same moment on a store that loses concurrent writes: one call per key, no key lost', async () => {
		// n8n's store reads and writes back without a lock; 200 ms between the two makes every
		// one of these executions overlap the others.
		setStoreLatency(200);
		const twins = await Promise.all(
			Array.from({ length: 6 }, () =>
				runHelloAnnie(sandbox, annieCall(byKey), {
					items: [{ appointmentId: 'appt-same', phone: '+15559876543' }],
				}),
			),
		);
		expect(calls()).toHaveLength(1);
		expect(twins.filter((run) => run.items[0].json.skipReason === 'duplicate')).toHaveLength(5);

		const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
		const many = () =>
			Promise.all(
				keys.map((appointmentId) =>
					runHelloAnnie(sandbox, annieCall(byKey), {
						items: [{ appointmentId, phone: '+15559876543' }],
					}),
				),
			);
		await many();
		expect(calls()).toHaveLength(1 + keys.length);
		const again = await many();
		expect(again.map((run) => run.items[0].json.skipReason)).toEqual(keys.map(() => 'duplicate'));
		expect(calls()).toHaveLength(1 + keys.length);
	});

	test('a create that never left (connection refused) releases its key', async () => {
		const refused = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ appointmentId: 'appt-down', phone: '+15559876543' }],
			credential: { baseUrl: 'http://127.0.0.1:1' },
			continueOnFail: true,
		});
		expect((refused.items[0].json.details as IDataObject).description).toMatch(
			/Deduplication Key was released/,
		);
		const retried = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ appointmentId: 'appt-down', phone: '+15559876543' }],
		});
		expect(retried.items[0].json.conversationId).toBeDefined();
	});

	test('an item refused by validation claims no key', async () => {
		const bad = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ appointmentId: 'appt-7', phone: '555' }],
			continueOnFail: true,
		});
		expect(bad.items[0].json.error).toMatch(/To Number/);
		const good = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ appointmentId: 'appt-7', phone: '+15559876543' }],
		});
		expect(good.items[0].json.conversationId).toBeDefined();
	});
});

/** Calling hours that are closed now: the window is the hour 12 hours from now, every day, in UTC. */
function closedNow(extra: IDataObject = {}): { window: IDataObject; opensAt: string } {
	const opens = new Date(Date.now() + 12 * 3600_000);
	opens.setUTCMinutes(0, 0, 0);
	const clock = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:00`;
	return {
		window: {
			hours: {
				timeZone: 'UTC',
				earliest: clock(opens),
				latest: clock(new Date(opens.getTime() + 3600_000)),
				days: [...WEEKDAYS],
				...extra,
			},
		},
		opensAt: opens.toISOString(),
	};
}

describe('Calling Hours', () => {
	test('outside the window nothing is sent; the item comes out skipped with nextAllowedAt, and claims no key', async () => {
		const { window, opensAt } = closedNow();
		const result = await runHelloAnnie(sandbox, annieCall({ ...byKey, callingHours: window }), {
			items: [{ appointmentId: 'appt-3', phone: '+15559876543' }],
		});
		expect(calls()).toEqual([]);
		expect(result.items).toEqual([
			{
				json: {
					skipped: true,
					skipReason: 'outsideCallingHours',
					nextAllowedAt: opensAt,
					timeZone: 'UTC',
					deduplicationKey: 'appt-3',
				},
				pairedItem: { item: 0 },
			},
		]);
		const later = await runHelloAnnie(sandbox, annieCall(byKey), {
			items: [{ appointmentId: 'appt-3', phone: '+15559876543' }],
		});
		expect(later.items[0].json.conversationId).toBeDefined();
	});

	test("a time zone per item, and a wrong one is that item's error", async () => {
		const result = await runHelloAnnie(
			sandbox,
			annieCall({
				callingHours: {
					hours: {
						timeZone: '={{ $json.zone }}',
						earliest: '00:00',
						latest: '23:59',
						days: [...WEEKDAYS],
					},
				},
			}),
			{
				items: [
					{ zone: 'Asia/Tokyo', phone: '+15559876543' },
					{ zone: 'Mars/Olympus', phone: '+15559876544' },
				],
				continueOnFail: true,
			},
		);
		expect(calls()).toHaveLength(1);
		expect(result.items[1].json.error).toBe(
			"Calling Hours → Time Zone (timeZone) is not a time zone name: enter one such as America/New_York or Europe/Paris, or leave it empty for the workflow's time zone",
		);
	});

	const C = SANDBOX_FIXTURES.aiCaller;
	const aiCallerCall = (operation: string, requestOptions: IDataObject) => ({
		resource: 'phoneCall',
		operation,
		teamId: C.calls[0].teamId ?? C.calls[0]._id,
		callTemplateId: C.calls[0].callTemplateId ?? C.calls[0]._id,
		nameOfHuman: 'Sam',
		toPhoneNumber: '={{ $json.phone }}',
		requestOptions,
	});
	const created = () => sandbox.requestsFor('aicaller').filter((r) => r.method === 'POST');

	test('AICaller: outside the window the call is created, scheduled for the next allowed moment', async () => {
		const { window, opensAt } = closedNow({ outsideHours: 'schedule' });
		const result = await runAiCaller(sandbox, aiCallerCall('create', { callingHours: window }), {
			items: [{ phone: '+15559876543' }],
		});
		expect(result.error).toBeUndefined();
		expect(created()).toHaveLength(1);
		expect((created()[0].body as IDataObject).callDelayedUntil).toBe(opensAt);
		expect(created()[0].valid).toBe(true);
	});

	test('AICaller Create Many: the guard applies per row before batching', async () => {
		const closed = closedNow().window.hours as IDataObject;
		// Row 2's window is closed now; the others are open all day.
		const perRow = {
			hours: {
				timeZone: 'UTC',
				earliest: `={{ $json.closed ? "${String(closed.earliest)}" : "00:00" }}`,
				latest: `={{ $json.closed ? "${String(closed.latest)}" : "23:59" }}`,
				days: [...WEEKDAYS],
			},
		};
		const result = await runAiCaller(
			sandbox,
			aiCallerCall('createMany', { ...byKey, callingHours: perRow }),
			{
				items: [
					{ appointmentId: 'a', phone: '+15559876543' },
					{ appointmentId: 'a', phone: '+15559876543' },
					{ appointmentId: 'b', phone: '+15559876544', closed: true },
					{ appointmentId: 'c', phone: '+15559876545' },
				],
			},
		);
		expect(created()).toHaveLength(1);
		const batch = (created()[0].body as { phoneCalls: IDataObject[] }).phoneCalls;
		expect(batch.map((call) => call.toPhoneNumber)).toEqual(['+15559876543', '+15559876545']);
		// Every item carries skipped and skipReason, a placed one as not skipped, so that both are
		// in the output's fields whichever items were skipped.
		expect(result.items.map((item) => [item.json.skipped, item.json.skipReason])).toEqual([
			[false, null],
			[true, 'duplicate'],
			[true, 'outsideCallingHours'],
			[false, null],
		]);
		expect(result.items.map((item) => item.pairedItem)).toEqual(
			[0, 1, 2, 3].map((item) => ({ item })),
		);
	});
});
