import type { Logger } from 'pino';

/**
 * The end of every Skiff process's main: on SIGTERM or SIGINT, log, run the `stop` steps
 * together, and exit 0 (1 if a step failed, or at once on a second signal).
 */
export function stopOnSignals(logger: Logger, ...steps: (() => Promise<unknown> | undefined)[]): void {
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(1);
      stopping = true;
      logger.info({ signal: sig }, 'stopping');
      Promise.all(steps.map((s) => s())).then(
        () => process.exit(0),
        (err: Error) => {
          logger.error({ err: err.message }, 'stopping failed');
          process.exit(1);
        },
      );
    });
  }
}
