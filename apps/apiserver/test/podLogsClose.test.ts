import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../src/index.js';
import { ADMIN_TOKEN, api, createBackend, startTestServer, within, type TestBackend } from './harness.js';

/**
 * A node agent whose log follows never end: it answers with headers (at once, or only when
 * `answer()` is called) and then a line every few milliseconds. An exec upgrade is answered with
 * 101 and then held open. `open()` counts the log responses and upgraded sockets still open on it.
 */
async function startStreamingAgent(holdHeaders: boolean) {
  const sockets = new Set<Socket>();
  const open = new Set<ServerResponse | Duplex>();
  let signalRequested!: () => void;
  const requested = new Promise<void>((resolve) => (signalRequested = resolve));
  let pending: (() => void) | undefined;
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => {
      clearInterval(timer);
      open.delete(res);
    });
    const start = () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      timer = setInterval(() => res.write('a log line\n'), 5);
    };
    if (holdHeaders) pending = start;
    else start();
    signalRequested();
  });
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    open.add(socket);
    socket.on('error', () => {});
    socket.on('end', () => socket.end());
    socket.on('close', () => open.delete(socket));
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n\r\n');
    signalRequested();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    open: () => open.size,
    requested,
    answer: () => pending?.(),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function until(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `kubectl logs -f`'s request; resolves once it is sent, or once the first log bytes arrived. */
function openFollow(url: string, path: string, waitForBody: boolean): Promise<{ destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const handle = { destroy: () => req.destroy() };
    if (waitForBody) {
      req.on('response', (res) => res.once('data', () => resolve(handle)));
      req.on('error', reject);
    } else {
      req.on('error', () => {});
      req.on('finish', () => resolve(handle));
    }
    req.end();
  });
}

/** An exec upgrade as kubectl sends it (SPDY); resolves once the agent's 101 came through. */
function openExec(server: RunningApiServer, path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`),
    );
    socket.on('error', () => {});
    socket.once('data', (d) => (String(d).startsWith('HTTP/1.1 101') ? resolve(socket) : reject(new Error(`exec refused: ${String(d)}`))));
  });
}

describe('closing the API server while pod streams are proxied to the node agent', () => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await createBackend('postgres');
  });
  afterAll(async () => {
    await backend?.dispose();
  });

  /** ROUNDS times: a fresh agent and API server with one pod on the agent's node, then `run`, then both closed. */
  async function rounds(label: string, count: number, holdHeaders: boolean, run: (server: RunningApiServer, agent: Awaited<ReturnType<typeof startStreamingAgent>>, pod: string) => Promise<void>) {
    for (let round = 0; round < count; round++) {
      const agent = await startStreamingAgent(holdHeaders);
      const server = await startTestServer(backend);
      let closed = false;
      try {
        const call = api(server);
        const name = `${label}-${round}`;
        expect((await call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name } })).status).toBe(201);
        const status = { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: agent.port } } } };
        expect((await call('PATCH', `/api/v1/nodes/${name}/status`, status, 'application/merge-patch+json')).status).toBe(200);
        const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: name, containers: [{ name: 'main', image: 'busybox:1' }] } };
        expect((await call('POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
        await run(server, agent, name);
        closed = true;
      } finally {
        // The agent first: its end of a leaked stream is what lets a hung close finish.
        await agent.close();
        if (!closed) await within(5_000, 'closing the API server after a failure', server.close());
      }
    }
  }

  for (const holdHeaders of [false, true]) {
    it(`a follow whose client left ${holdHeaders ? 'before the agent answered' : 'mid-stream'} ends at the agent, and the server closes (8 rounds)`, async () => {
      await rounds(holdHeaders ? 'early' : 'late', 8, holdHeaders, async (server, agent, pod) => {
        const client = await openFollow(server.url, `/api/v1/namespaces/default/pods/${pod}/log?follow=true`, !holdHeaders);
        await agent.requested;
        client.destroy();
        agent.answer();
        await until('the agent stream to close', () => agent.open() === 0);
        await within(3_000, 'closing the agent', agent.close());
        await within(5_000, 'closing the API server', server.close());
      });
    }, 120_000);
  }

  it('a follow still open when the server closes ends, at the client and at the agent (3 rounds)', async () => {
    await rounds('following', 3, false, async (server, agent, pod) => {
      await openFollow(server.url, `/api/v1/namespaces/default/pods/${pod}/log?follow=true`, true);
      await within(5_000, 'closing the API server', server.close());
      await until('the agent stream to close', () => agent.open() === 0);
    });
  }, 60_000);

  it('an exec session still open when the server closes does not hold the close (3 rounds)', async () => {
    await rounds('exec', 3, false, async (server, agent, pod) => {
      const client = await openExec(server, `/api/v1/namespaces/default/pods/${pod}/exec?command=sh&stdin=true&stdout=true`);
      const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      expect(agent.open()).toBe(1);
      await within(5_000, 'closing the API server', server.close());
      await within(3_000, 'the exec client to see its connection close', clientClosed);
      await until('the agent session to close', () => agent.open() === 0);
    });
  }, 60_000);
});
