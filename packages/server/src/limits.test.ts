import { ConfabError } from 'confab';
import { describe, expect, it } from 'vitest';
import { RateLimiter, resolveLimits, SharedGate } from './limits.js';

describe('SharedGate', () => {
  it('refuses an app at its share with rate_limited and a full server with unavailable', () => {
    const gate = new SharedGate(3, 2, 'things');
    gate.acquire('b');
    gate.acquire('b');
    expect(() => gate.acquire('b')).toThrow(expect.objectContaining({ code: 'rate_limited' }));
    const release = gate.acquire('a');
    expect(() => gate.acquire('c')).toThrow(expect.objectContaining({ code: 'unavailable' }));
    release();
    release();
    expect(gate.inUse).toBe(2);
    gate.acquire('c');
  });

  it('queues waiters per app, first come first served, skipping apps at their share; close refuses them', async () => {
    const gate = new SharedGate(2, 1, 'things');
    const first = await gate.waitFor('b');
    const granted: string[] = [];
    const secondOfB = gate.waitFor('b').then((release) => {
      granted.push('b');
      return release;
    });
    const firstOfA = gate.waitFor('a').then((release) => {
      granted.push('a');
      return release;
    });
    await firstOfA;
    expect(granted).toEqual(['a']);
    first();
    (await secondOfB)();
    expect(granted).toEqual(['a', 'b']);
    expect(gate.appUse('b')).toBe(0);
    const blocked = gate.waitFor('a');
    gate.close();
    await expect(blocked).rejects.toSatisfy((error) => ConfabError.isInstance(error, 'unavailable'));
    await expect(gate.waitFor('c')).rejects.toSatisfy((error) => ConfabError.isInstance(error, 'unavailable'));
  });
});

describe('RateLimiter', () => {
  it('takes costs, refuses without taking, and charges work already done', () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => now, 'bytes');
    limiter.take('a', 50);
    expect(() => limiter.take('a', 20)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
    limiter.take('a', 10);
    limiter.charge('a', 5);
    now += 10_000;
    limiter.check('a', 10);
    expect(() => limiter.check('a', 11)).toThrow(/60 bytes per minute/);
  });
});

describe('resolveLimits', () => {
  it('refuses unknown limits and combinations the server could not honour', () => {
    expect(() => resolveLimits({ nope: 1 } as never)).toThrow(RangeError);
    expect(() => resolveLimits({ maxFileBytes: 1000, uploadBytesPerMinute: 999 })).toThrow(RangeError);
    expect(() => resolveLimits({ maxFileBytes: 1000, maxTurnFileBytes: 999 })).toThrow(RangeError);
    expect(resolveLimits({ sessionsPerMinute: 0 }).sessionsPerMinute).toBe(0);
    expect(() => resolveLimits({ maxOpenStreamsPerApp: 0 })).toThrow(RangeError);
  });
});
