import type { Logger } from 'pino';

/**
 * The end of every Skiff process's main: on SIGTERM or SIGINT, log, run the `stop` steps
 * together, and exit 0 (1 if a step failed, or at once on a second SIGINT: Ctrl-C pressed again).
 * Any other signal that comes while stopping asks for the same stop again and is let be: a
 * terminal or a supervisor signals the whole process group, and `skiff up` passes the stop on to
 * its components too, so a node agent hears it twice and must still stop its pods.
 */
export function stopOnSignals(logger: Logger, ...steps: (() => Promise<unknown> | undefined)[]): void {
  let stopping: NodeJS.Signals | undefined;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (stopping) {
        if (sig === 'SIGINT' && stopping === 'SIGINT') process.exit(1);
        logger.info({ signal: sig }, 'already stopping');
        return;
      }
      stopping = sig;
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
