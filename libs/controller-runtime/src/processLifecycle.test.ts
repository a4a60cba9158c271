import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const lifecycle = fileURLToPath(new URL('./processLifecycle.ts', import.meta.url));

/**
 * A process whose stop step takes 1 s (a node agent stopping its pods), signalled as the test
 * says once it is ready; resolves to its exit code and output.
 */
function run(signals: NodeJS.Signals[]): Promise<{ code: number | null; out: string }> {
  const script = `
    import { pino } from 'pino';
    import { stopOnSignals } from ${JSON.stringify(lifecycle)};
    stopOnSignals(pino({ level: 'silent' }), () => new Promise((r) => setTimeout(() => { console.log('stopped'); r(undefined); }, 1000)));
    setInterval(() => {}, 1000);
    console.log('ready');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Each signal a little after the one before, as a supervisor passes on a signal the group got.
      if (out === 'ready\n') signals.forEach((sig, i) => setTimeout(() => child.kill(sig), 50 * i));
    });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('stopOnSignals', () => {
  it.each([
    { signals: ['SIGTERM'], code: 0, stopped: true },
    // The group's signal, then skiff up's: one stop, which completes.
    { signals: ['SIGTERM', 'SIGTERM'], code: 0, stopped: true },
    { signals: ['SIGINT', 'SIGTERM'], code: 0, stopped: true },
    // Ctrl-C pressed twice: out at once.
    { signals: ['SIGINT', 'SIGINT'], code: 1, stopped: false },
  ] as { signals: NodeJS.Signals[]; code: number; stopped: boolean }[])('$signals: exit $code, stop steps completed: $stopped', async ({ signals, code, stopped }) => {
    const r = await run(signals);
    expect(r.code).toBe(code);
    expect(r.out.includes('stopped')).toBe(stopped);
  });
});
