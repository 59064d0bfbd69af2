import { describe, expect, it } from 'vitest';
import { barPlacement, formatDuration, formatShare } from './format';

describe('health formatting', () => {
  it('shows durations in the two largest units', () => {
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(250_000)).toBe('4 m 10 s');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2 h 5 m');
    expect(formatDuration(3 * 86_400_000 + 4 * 3600_000 + 59_000)).toBe('3 d 4 h');
    expect(formatDuration(undefined)).toBe('–');
  });
  it('never rounds an imperfect availability up to 100 %', () => {
    expect(formatShare(0.99999)).toBe('99.99 %');
    expect(formatShare(1)).toBe('100.00 %');
  });
  it('places bars within the window and keeps short ones visible', () => {
    expect(barPlacement(50, 75, 0, 100)).toEqual({ left: '50.000%', width: '25.000%' });
    expect(barPlacement(-50, 10, 0, 100)).toEqual({ left: '0.000%', width: '10.000%' });
    expect(barPlacement(99_999, 100_000, 0, 1_000_000).width).toBe('0.250%');
  });
});
