// Debounced requests where only the answer to the newest request counts.

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface LatestOnly<T> {
  /** Schedules `req` after the delay, replacing any request not yet sent or not yet answered. */
  submit(req: T): void;
  /** Drops the scheduled request and ignores any answer still on its way. */
  cancel(): void;
}

/**
 * Runs `run` at most once per quiet period of `delayMs` and reports an outcome only for the
 * latest submitted request: answers to older requests that arrive later are ignored.
 */
export function latestOnly<T, R>(
  run: (req: T) => Promise<R>,
  delayMs: number,
  onOutcome: (o: Outcome<R>) => void,
): LatestOnly<T> {
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const clear = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    submit(req: T) {
      const mine = ++seq;
      clear();
      timer = setTimeout(() => {
        timer = null;
        let p: Promise<R>;
        try {
          p = run(req);
        } catch (error) {
          p = Promise.reject(error);
        }
        p.then(
          (value) => {
            if (mine === seq) onOutcome({ ok: true, value });
          },
          (error: unknown) => {
            if (mine === seq) onOutcome({ ok: false, error });
          },
        );
      }, delayMs);
    },
    cancel() {
      seq++;
      clear();
    },
  };
}
