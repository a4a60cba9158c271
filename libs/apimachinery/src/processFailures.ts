/**
 * What a process does with a failure nothing caught (Kubernetes' HandleCrash): it logs it, one
 * structured line, and exits non-zero, so whatever supervises the process (`skiff up`, systemd)
 * starts it again in a known state, instead of running on with a half-done piece of work.
 */
export function exitOnUncaughtFailures(log: { fatal(obj: object, msg: string): void }): void {
  const die = (kind: string) => (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    log.fatal({ err: { message: e.message, stack: e.stack } }, `${kind}: exiting so that the supervisor restarts the process`);
    // Let the log line reach its file before the process goes.
    setTimeout(() => process.exit(70), 100).unref();
  };
  process.on('unhandledRejection', die('unhandled promise rejection'));
  process.on('uncaughtException', die('uncaught exception'));
}
