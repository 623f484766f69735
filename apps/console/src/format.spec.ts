import { amountText, revealInvisible, timeText, untilText } from './format';

describe('what the console prints', () => {
  it('given an amount, then it reads as money in its currency, and a code Intl does not know reads as sent', () => {
    expect(amountText({ value: 42, currency: 'EUR' })).toBe('€42.00');
    expect(amountText({ value: 4200.5, currency: 'USD' })).toBe('$4,200.50');
    expect(amountText({ value: 1, currency: 'ZZ1' })).toBe('1 ZZ1');
    expect(amountText(null)).toBe('none stated');
  });

  it('given an expiry, then the time left reads in hours, minutes and seconds, and "expired" once past', () => {
    const now = Date.parse('2026-11-30T10:00:00Z');
    expect(untilText('2026-11-30T10:04:12Z', now)).toBe('in 4 min 12 s');
    expect(untilText('2026-11-30T11:00:05Z', now)).toBe('in 1 h 0 min 5 s');
    expect(untilText('2026-11-30T10:00:09Z', now)).toBe('in 9 s');
    expect(untilText('2026-11-30T09:59:59Z', now)).toBe('expired');
    expect(timeText('2026-11-30T10:00:00.123Z')).toBe('2026-11-30 10:00:00 UTC');
  });

  it('given text with direction overrides, zero-width and control characters, then each is shown as its escape', () => {
    expect(revealInvisible('https://evil.example/\u202egnp.exe')).toBe('https://evil.example/\\u202egnp.exe');
    expect(revealInvisible('pay\u200bpal\u0007\ufeff')).toBe('pay\\u200bpal\\u0007\\ufeff');
    expect(revealInvisible('plain café ✓')).toBe('plain café ✓');
  });
});
