import type { Logger } from 'pino';
import { rotateContainerLog, type LogRotationPolicy } from './logRotation.js';

/** A running container's log file, and how its runtime reopens it (CRI), if it does. */
export interface LiveContainerLog {
  file: string;
  reopen?: () => Promise<void>;
}

export interface ContainerLogManagerOptions {
  policy: LogRotationPolicy;
  /** The logs of the containers running now. */
  logs: () => LiveContainerLog[];
  /** How often sizes are checked (the kubelet checks every 10 s). */
  intervalMs: number;
  log: Logger;
}

/** Checks the running containers' logs on a period and rotates those past the size. */
export class ContainerLogManager {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly opts: ContainerLogManagerOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.rotateAll(), this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every live log; a pass still under way is not started twice. */
  rotateAll(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    for (const { file, reopen } of this.opts.logs()) {
      try {
        if (await rotateContainerLog(file, this.opts.policy, { reopen })) this.opts.log.debug({ file }, 'rotated container log');
      } catch (err) {
        this.opts.log.warn({ file, err: (err as Error).message }, 'rotating a container log failed');
      }
    }
  }
}
