import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { latestOnly, type Outcome } from './latest';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('latestOnly', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends one request, the last, after a quiet period', async () => {
    const run = vi.fn((req: string) => Promise.resolve(`answer to ${req}`));
    const seen: Outcome<string>[] = [];
    const l = latestOnly(run, 250, (o) => seen.push(o));
    l.submit('a');
    await vi.advanceTimersByTimeAsync(100);
    l.submit('b');
    await vi.advanceTimersByTimeAsync(249);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(run.mock.calls).toEqual([['b']]);
    expect(seen).toEqual([{ ok: true, value: 'answer to b' }]);
  });

  it('ignores an older answer that arrives after a newer one', async () => {
    const pending = new Map<string, ReturnType<typeof deferred<string>>>();
    const run = (req: string) => {
      const d = deferred<string>();
      pending.set(req, d);
      return d.promise;
    };
    const seen: Outcome<string>[] = [];
    const l = latestOnly(run, 250, (o) => seen.push(o));
    l.submit('old');
    await vi.advanceTimersByTimeAsync(250);
    l.submit('new');
    await vi.advanceTimersByTimeAsync(250);
    pending.get('new')!.resolve('new coverage');
    await vi.advanceTimersByTimeAsync(0);
    pending.get('old')!.resolve('old coverage');
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([{ ok: true, value: 'new coverage' }]);
  });

  it('ignores an older failure too, and reports the latest failure', async () => {
    const pending = new Map<string, ReturnType<typeof deferred<string>>>();
    const run = (req: string) => {
      const d = deferred<string>();
      pending.set(req, d);
      return d.promise;
    };
    const seen: Outcome<string>[] = [];
    const l = latestOnly(run, 250, (o) => seen.push(o));
    l.submit('old');
    await vi.advanceTimersByTimeAsync(250);
    l.submit('new');
    await vi.advanceTimersByTimeAsync(250);
    pending.get('old')!.reject(new Error('old failed'));
    const err = new Error('invalid document');
    pending.get('new')!.reject(err);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([{ ok: false, error: err }]);
  });

  it('reports a request that throws synchronously as a failure', async () => {
    const seen: Outcome<string>[] = [];
    const l = latestOnly<string, string>(
      () => {
        throw new Error('boom');
      },
      10,
      (o) => seen.push(o),
    );
    l.submit('x');
    await vi.advanceTimersByTimeAsync(10);
    expect(seen).toHaveLength(1);
    expect(seen[0].ok).toBe(false);
  });

  it('sends nothing and reports nothing after cancel', async () => {
    const run = vi.fn(() => Promise.resolve('x'));
    const seen: Outcome<string>[] = [];
    const l = latestOnly(run, 250, (o) => seen.push(o));
    l.submit('a');
    l.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(run).not.toHaveBeenCalled();

    const d = deferred<string>();
    const l2 = latestOnly(() => d.promise, 5, (o) => seen.push(o));
    l2.submit('b');
    await vi.advanceTimersByTimeAsync(5);
    l2.cancel();
    d.resolve('late');
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([]);
  });
});
