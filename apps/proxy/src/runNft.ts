import { spawn } from 'node:child_process';

export const NFT_TIMEOUT_MS = 30_000;

export type NftResult = { ok: true; stdout: string } | { ok: false; error: string; notFound: boolean };

/**
 * Runs `nft ARGS` with `input` on stdin. A non-zero exit, a missing binary or a run past the
 * timeout is a value, not a throw: `error` carries nft's stderr, and `notFound` says the object
 * did not exist ("No such file or directory"), which a delete may ignore.
 */
export function runNft(args: readonly string[], input = '', opts: { binary?: string; timeoutMs?: number } = {}): Promise<NftResult> {
  const binary = opts.binary ?? 'nft';
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (r: NftResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, error: `${binary} ${args.join(' ')}: no answer within ${opts.timeoutMs ?? NFT_TIMEOUT_MS} ms`, notFound: false });
    }, opts.timeoutMs ?? NFT_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? `${binary} not found: install nftables` : err.message;
      finish({ ok: false, error: why, notFound: false });
    });
    child.on('close', (code, signal) => {
      if (code === 0) finish({ ok: true, stdout });
      else finish({ ok: false, error: stderr.trim() || `${binary} ${args.join(' ')} exited with ${code ?? signal}`, notFound: /No such file or directory/.test(stderr) });
    });
    // nft may exit before reading all of a script it rejects; the close event reports that.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
