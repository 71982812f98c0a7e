/**
 * The arithmetic behind `npm run bench` (bench/stats.ts): medians, and the pacing
 * efficiency rebuilt from a request log the way the sandbox counts its rate-limit windows.
 * Pure functions on given numbers: nothing here is timed.
 */
import { median, pacingEfficiency, round, spread, type Arrival } from '../../bench/stats';

/** `count` accepted requests at `startMs`, one millisecond apart. */
const burst = (startMs: number, count: number, status = 200): Arrival[] =>
	Array.from({ length: count }, (_, i) => ({ at: startMs + i, status }));

describe('median and spread', () => {
	test('the middle value, or the mean of the two middle values, whatever the order', () => {
		expect(median([5, 1, 3])).toBe(3);
		expect(median([4, 1, 3, 2])).toBe(2.5);
		expect(spread([12, 10, 30])).toEqual({ median: 12, min: 10, max: 30, runs: [12, 10, 30] });
	});

	test('refuses an empty list rather than reporting a figure nobody measured', () => {
		expect(() => median([])).toThrow('median of no values');
	});

	test('rounds to three significant digits', () => {
		expect(round(0.896_43)).toBe(0.896);
		expect(round(1234.5)).toBe(1235);
		expect(round(1.1049)).toBe(1.1);
	});
});

describe('pacingEfficiency (60 per 10 s)', () => {
	const limit = 60;
	const windowMs = 10_000;
	// Epoch milliseconds in the middle of a second, as real runs start.
	const t0 = 1_700_000_000_300;

	test('a client that fills each window and starts the next the moment it opens scores 1.0', () => {
		const arrivals = [...burst(t0, 60), ...burst(t0 + 10_000, 60), ...burst(t0 + 20_000, 30)];
		const figures = pacingEfficiency(arrivals, limit, windowMs);
		expect(figures.windows.map((w) => [w.start - t0, w.count, w.accepted])).toEqual([
			[0, 60, 60],
			[10_000, 60, 60],
			[20_000, 30, 30],
		]);
		expect(figures.allowedPerSecond).toBe(6);
		expect(figures.achievedPerSecond).toBeCloseTo(6, 10);
		expect(figures.efficiency).toBeCloseTo(1, 10);
		// Faster than the whole-second header would let anyone know: above 1.
		expect(figures.informedEfficiency).toBeGreaterThan(1);
	});

	test('resuming at the whole-second reset the header gives loses only what the header imposes', () => {
		// Windows end at t0 + 10 s (…0.3 s into a second); the header says the next full second.
		const reset1 = Math.ceil((t0 + 10_000) / 1000) * 1000;
		const reset2 = Math.ceil((reset1 + 10_000) / 1000) * 1000;
		const arrivals = [...burst(t0, 60), ...burst(reset1, 60), ...burst(reset2, 30)];
		const figures = pacingEfficiency(arrivals, limit, windowMs);
		expect(figures.efficiency).toBeCloseTo(20_000 / (reset2 - t0), 10);
		expect(figures.efficiency).toBeLessThan(1);
		expect(figures.informedEfficiency).toBeCloseTo(1, 10);
	});

	test('waiting longer than needed, and requests refused with 429, lower the score', () => {
		// 60 accepted, 10 refused in the first window; the next window opens 5 s late.
		const arrivals = [
			...burst(t0, 60),
			...burst(t0 + 100, 10, 429),
			...burst(t0 + 15_000, 60),
			...burst(t0 + 25_000, 20),
		];
		const figures = pacingEfficiency(arrivals, limit, windowMs);
		expect(figures.windows.map((w) => [w.count, w.accepted])).toEqual([
			[70, 60],
			[60, 60],
			[20, 20],
		]);
		expect(figures.efficiency).toBeCloseTo(120 / 25 / 6, 10);
	});

	test('everything in one window (no pacing at all) has no rate to report', () => {
		const figures = pacingEfficiency(
			[...burst(t0, 60), ...burst(t0 + 5, 90, 429)],
			limit,
			windowMs,
		);
		expect(figures.windows).toHaveLength(1);
		expect(figures.efficiency).toBeUndefined();
		expect(figures.informedEfficiency).toBeUndefined();
	});

	test('arrival order in the log does not matter', () => {
		const arrivals = [...burst(t0, 60), ...burst(t0 + 10_500, 60), ...burst(t0 + 21_000, 30)];
		const shuffled = [...arrivals].reverse();
		expect(pacingEfficiency(shuffled, limit, windowMs)).toEqual(
			pacingEfficiency(arrivals, limit, windowMs),
		);
	});
});
