import type { Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { CLOSE, decodeChannelMessage, encodeChannelMessage, ERROR, RESIZE, STDERR, STDIN, STDOUT, type ChannelProtocol } from './channels.js';
import { dialUpgrade } from './dialUpgrade.js';
import { SpdySession } from './spdy/spdySession.js';

/** What an exec or attach session streams (the `stdin`, `stdout`, `stderr`, `tty` query flags). */
export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A running exec or attach, whatever runs it: a CRI streaming server, or a process the agent spawned. */
export interface RemoteCommandStreams {
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  /** Terminal sizes, as the JSON objects `{"Width":W,"Height":H}` the protocol carries. */
  resize?: Writable;
  /** The v4 error channel's content: a JSON `Status` (Success, or Failure with the exit code). */
  status: Promise<Buffer>;
  abort(): void;
}

/** The remotecommand SPDY protocol spoken to CRI streaming servers (containerd 1.6 speaks v4 and older). */
export const SPDY_REMOTECOMMAND_PROTOCOL = 'v4.channel.k8s.io';

/**
 * Kubernetes' Status for a command that ended: Success, or NonZeroExitCode with the code as a
 * cause, exactly as kubelet writes it (kubectl exec exits with that code).
 */
export function exitStatus(exitCode: number, command: string[]): Buffer {
  if (exitCode === 0) return Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }));
  return Buffer.from(
    JSON.stringify({
      metadata: {},
      status: 'Failure',
      message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
    }),
  );
}

/** A Status for a session that failed before or outside the command. */
export function failureStatus(message: string): Buffer {
  return Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 }));
}

function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('close', () => resolve(Buffer.concat(chunks)));
    stream.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * Opens an exec or attach session on a CRI streaming server URL (what the runtime's Exec/Attach
 * answered), as client-go's SPDY executor does: one stream per channel, the error stream first.
 */
export async function dialSpdyRemoteCommand(url: string, opts: RemoteCommandOptions): Promise<RemoteCommandStreams> {
  const { socket, headers } = await dialUpgrade({ url, headers: { upgrade: 'SPDY/3.1', 'x-stream-protocol-version': SPDY_REMOTECOMMAND_PROTOCOL } });
  const chosen = headers['x-stream-protocol-version'];
  if (chosen !== SPDY_REMOTECOMMAND_PROTOCOL) {
    socket.destroy();
    throw new Error(`the streaming server chose protocol ${String(chosen)}, not ${SPDY_REMOTECOMMAND_PROTOCOL}`);
  }
  const session = new SpdySession(socket, 'client');
  try {
    const error = await session.openStream({ streamtype: 'error' });
    const status = readAll(error);
    const stdin = opts.stdin ? await session.openStream({ streamtype: 'stdin' }) : undefined;
    const stdout = opts.stdout ? await session.openStream({ streamtype: 'stdout' }) : undefined;
    const stderr = opts.stderr && !opts.tty ? await session.openStream({ streamtype: 'stderr' }) : undefined;
    const resize = opts.tty ? await session.openStream({ streamtype: 'resize' }) : undefined;
    // Output streams only read: end our side now. A stream error (the runtime closed the
    // connection, say) ends the stream like its end does, never as an unhandled 'error'.
    for (const s of [error, stdin, stdout, stderr, resize]) s?.on('error', () => s.destroy());
    for (const s of [stdout, stderr]) s?.end();
    return { stdin, stdout, stderr, resize, status, abort: () => socket.destroy() };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

function ended(stream: Readable | undefined): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    if (stream.readableEnded || stream.destroyed) return resolve();
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

/**
 * Serves an exec or attach session to a WebSocket client: channel 0 feeds stdin (v5's close
 * message ends it), channel 4 carries resizes, output goes out on channels 1 and 2, and when the
 * command has ended and all output is sent, the Status goes out on channel 3 and the socket closes.
 */
export function bridgeRemoteCommandWebSocket(ws: WebSocket, proto: ChannelProtocol, streams: RemoteCommandStreams): Promise<void> {
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const m = decodeChannelMessage(proto, msg, isBinary);
    if (!m) return;
    if (m.channel === STDIN) streams.stdin?.write(m.data);
    else if (m.channel === RESIZE) streams.resize?.write(m.data);
    else if (m.channel === CLOSE && proto.version >= 5 && m.data[0] === STDIN) streams.stdin?.end();
  });
  ws.on('close', () => streams.abort());
  ws.on('error', () => streams.abort());
  const forward = (src: Readable | undefined, channel: number) => {
    src?.on('data', (d: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      src.pause();
      ws.send(encodeChannelMessage(proto, channel, d), () => src.resume());
    });
  };
  forward(streams.stdout, STDOUT);
  forward(streams.stderr, STDERR);
  return Promise.all([streams.status, ended(streams.stdout), ended(streams.stderr)]).then(([status]) => {
    if (ws.readyState !== ws.OPEN) return;
    const payload = proto.version >= 4 ? status : legacyError(status);
    if (payload.length) ws.send(encodeChannelMessage(proto, ERROR, payload));
    streams.stdin?.destroy();
    ws.close(1000);
  });
}

/** Before v4 the error channel carried only the text of a failure. */
function legacyError(status: Buffer): Buffer {
  try {
    const s = JSON.parse(status.toString('utf8')) as { status?: string; message?: string };
    return s.status === 'Failure' ? Buffer.from(s.message ?? 'error') : Buffer.alloc(0);
  } catch {
    return status;
  }
}
