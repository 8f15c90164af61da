import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines, type Deadline } from '../../src/adapters/apigw/post-deadlines.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

const deadline = (startedAt: number) => {
  const expired: number[] = [];
  const entry: Deadline = { startedAt, expire: () => void expired.push(Date.now()) };
  return { entry, expired };
};

describe('Deadlines: one timer for every post in flight', () => {
  it('expires a request between its timeout and a quarter more, and keeps expiring it until it is deleted', () => {
    const deadlines = new Deadlines(1_000);
    const post = deadline(Date.now());
    deadlines.add(post.entry);

    vi.advanceTimersByTime(999);
    expect(post.expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(post.expired).toEqual([1_000]);
    // Still in flight (its answer may have come while the loop was blocked): asked again at the next sweep.
    vi.advanceTimersByTime(250);
    expect(post.expired).toEqual([1_000, 1_250]);
    deadlines.delete(post.entry);
    vi.advanceTimersByTime(1_000);
    expect(post.expired).toEqual([1_000, 1_250]);
  });

  it('expires only the requests past their deadline, oldest first, and never one deleted in time', () => {
    const deadlines = new Deadlines(1_000);
    const old = deadline(0);
    const answered = deadline(0);
    deadlines.add(old.entry);
    deadlines.add(answered.entry);
    vi.advanceTimersByTime(500);
    const young = deadline(Date.now());
    deadlines.add(young.entry);
    deadlines.delete(answered.entry);

    vi.advanceTimersByTime(500);
    expect([old.expired, answered.expired, young.expired]).toEqual([[1_000], [], []]);
    vi.advanceTimersByTime(500);
    expect(young.expired).toEqual([1_500]);
  });

  it('holds no timer while nothing is in flight', () => {
    const deadlines = new Deadlines(5_000);
    const post = deadline(0);
    expect(vi.getTimerCount()).toBe(0);
    deadlines.add(post.entry);
    deadlines.add(deadline(0).entry);
    expect(vi.getTimerCount()).toBe(1);
    deadlines.delete(post.entry);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('stops its timer once the last request is deleted', () => {
    const deadlines = new Deadlines(5_000);
    const [a, b] = [deadline(0), deadline(0)];
    deadlines.add(a.entry);
    deadlines.add(b.entry);
    deadlines.delete(a.entry);
    deadlines.delete(b.entry);
    expect(vi.getTimerCount()).toBe(0);
  });
});
