import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, createWebSocketStream } from 'ws';
import type { Duplex, Readable } from 'node:stream';
import { dialUpgrade, SpdySession } from '@skiff/streaming';
import { PODS, agentWebSocketSession, getPod, httpServerCommand, pod, removeDir, startAgent, startCluster, uniqueMarker, waitFor, type TestAgent, type TestCluster } from './cluster.js';

/**
 * exec and port-forward into process pods, which have no runtime streaming server: the agent runs
 * the command itself and connects to the pod's IP, in both of kubelet's protocols.
 */
describe('exec and port-forward sessions into process pods', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  const marker = uniqueMarker('sessions');
  const auth = () => ({ authorization: `Bearer ${agent.token}` });

  beforeAll(async () => {
    cluster = await startCluster();
    agent = await startAgent(cluster);
    await cluster.admin.create(PODS, pod('web', agent.nodeName, {
      containers: [{
        name: 'web',
        image: 'x',
        command: httpServerCommand(marker),
        env: [
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'GREETING', value: 'hello from the pod' },
        ],
      }],
    }));
    await waitFor('the web pod running', async () => ((await getPod(cluster, 'web')) as any).status?.containerStatuses?.[0]?.state?.running);
  });

  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
  });

  const wsSession = (path: string, protocol: string, send: (ws: WebSocket) => void) => agentWebSocketSession(agent, path, protocol, send);

  const q = (argv: string[]) => argv.map((c) => `command=${encodeURIComponent(c)}`).join('&');

  it('runs a command with the container\'s environment: stdin, stdout, stderr and the exit code', async () => {
    const out = await wsSession(`/exec/default/web/web?${q(['sh', '-c', 'echo "$GREETING"; cat; echo to-stderr >&2; exit 3'])}&stdin=1&stdout=1&stderr=1`, 'v5.channel.k8s.io', (ws) => {
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('typed\n')]));
      ws.send(Buffer.from([255, 0]));
    });
    expect(out[1]).toBe('hello from the pod\ntyped\n');
    expect(out[2]).toBe('to-stderr\n');
    expect(JSON.parse(out[3])).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
  });

  it('gives a terminal on request (-t)', async () => {
    const out = await wsSession(`/exec/default/web/web?${q(['sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo on-a-terminal; exit 0'])}&stdout=1&tty=1`, 'v4.channel.k8s.io', () => {});
    // A terminal turns \n into \r\n.
    expect(out[1]).toBe('on-a-terminal\r\n');
    expect(JSON.parse(out[3])).toMatchObject({ status: 'Success' });
  });

  it('refuses attach, which needs a runtime that keeps the container\'s stdin', async () => {
    await expect(wsSession('/attach/default/web/web?stdout=1', 'v5.channel.k8s.io', () => {})).rejects.toThrow(/HTTP 400: .*cannot attach/);
  });

  it('forwards a port over the WebSocket channel protocol (client libraries)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${agent.port}/portForward/default/web?port=8080`, ['v4.channel.k8s.io'], { headers: auth() });
    const messages: Buffer[] = [];
    ws.on('open', () => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET / HTTP/1.0\r\n\r\n')])));
    ws.on('message', (m: Buffer) => messages.push(m));
    await new Promise((resolve, reject) => {
      ws.on('close', resolve);
      ws.on('error', reject);
    });
    // Each channel's first message is the port (8080, little-endian); then the answer on channel 0.
    expect(messages.slice(0, 2)).toEqual([Buffer.from([0, 0x90, 0x1f]), Buffer.from([1, 0x90, 0x1f])]);
    const answer = Buffer.concat(messages.slice(2).filter((m) => m[0] === 0).map((m) => m.subarray(1))).toString();
    expect(answer).toMatch(/^HTTP\/1\.[01] 200[\s\S]*"pod":"web"/);
  });

  async function spdyForward(transport: Duplex): Promise<string> {
    const session = new SpdySession(transport, 'client');
    const error = await session.openStream({ streamtype: 'error', port: '8080', requestid: '0' });
    const data = await session.openStream({ streamtype: 'data', port: '8080', requestid: '0' });
    const read = (s: Readable) => new Promise<string>((resolve) => { let t = ''; s.on('data', (d) => (t += d)); s.on('end', () => resolve(t)); });
    const [answer] = [read(data), read(error)];
    data.end('GET / HTTP/1.0\r\n\r\n');
    const text = await answer;
    session.close();
    return text;
  }

  it('forwards a port over SPDY (kubectl\'s protocol) and over SPDY tunnelled in WebSocket (kubectl 1.31+)', async () => {
    const { socket } = await dialUpgrade({ url: `http://127.0.0.1:${agent.port}/portForward/default/web`, headers: { ...auth(), upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' } });
    expect(await spdyForward(socket)).toMatch(/^HTTP\/1\.[01] 200[\s\S]*"pod":"web"/);

    // ws's client refuses this subprotocol name (kubectl's Go client sends it): shake hands by hand.
    const upgraded = await dialUpgrade({
      url: `http://127.0.0.1:${agent.port}/portForward/default/web`,
      method: 'GET',
      headers: { ...auth(), upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' },
    });
    expect(upgraded.headers['sec-websocket-protocol']).toBe('SPDY/3.1+portforward.k8s.io');
    const ws = new WebSocket(null as never, undefined, { autoPong: true }) as WebSocket & { _isServer: boolean; setSocket(s: Duplex, head: Buffer, o: object): void };
    ws._isServer = false;
    ws.setSocket(upgraded.socket, Buffer.alloc(0), { allowSynchronousEvents: true, autoPong: true, maxPayload: 0, skipUTF8Validation: false });
    expect(await spdyForward(createWebSocketStream(ws))).toContain('"pod":"web"');
  });
});
