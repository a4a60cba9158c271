/**
 * Waits for conditions over a changing world: `until(what, test)` re-checks `test` whenever
 * `wake()` is called (hook it to informer events) and every `pollMs` (for conditions that change
 * with time alone), and rejects naming `what` after `ms`. Checks never overlap; a wake during a
 * check runs it once more. Tests use it instead of sleeping.
 */
export class ConditionWaiter {
  private readonly waiters = new Set<() => void>();

  constructor(private readonly pollMs = 50) {}

  /** Something changed: re-check every pending condition. */
  wake = (): void => {
    for (const w of this.waiters) w();
  };

  until(what: string, test: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      let checking = false;
      let again = false;
      const check = async () => {
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        try {
          do {
            again = false;
            if (await test()) {
              done();
              resolve();
              return;
            }
          } while (again);
        } catch (err) {
          done();
          reject(err as Error);
        } finally {
          checking = false;
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      const poll = setInterval(() => void check(), this.pollMs);
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      void check();
    });
  }
}
