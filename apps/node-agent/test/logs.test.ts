import { ADMIN_TOKEN } from '../../apiserver/test/harness.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PODS, getPod, hostPids, pod, podStatus, removeDir, startAgent, startCluster, uniqueMarker, waitFor, type TestAgent, type TestCluster } from './cluster.js';

/** `GET /containerLogs/...` on the agent, and `kubectl logs` through the API server's proxy. */
describe('container logs', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  const marker = uniqueMarker('talker');

  beforeAll(async () => {
    cluster = await startCluster();
    agent = await startAgent(cluster);
    // Prints a random run id and five numbered lines, then one line every 50ms until killed.
    await cluster.admin.create(
      PODS,
      pod('talker', agent.nodeName, {
        containers: [
          {
            name: 'app',
            image: 'x',
            command: [
              process.execPath,
              '-e',
              `console.log('run ' + Math.random().toString(36).slice(2)); for (let i = 1; i <= 5; i++) console.log('line ' + i); console.error('to stderr');
               let n = 0; setInterval(() => console.log('tick ' + (++n)), 50);`,
              marker,
            ],
          },
        ],
      }),
    );
    await waitFor('output', async () => (await logs('app')).text.includes('to stderr'));
  });
  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
  });

  async function logs(container: string, query = '', token = agent.token): Promise<{ status: number; text: string }> {
    const res = await fetch(`http://127.0.0.1:${agent.port}/containerLogs/default/talker/${container}${query ? `?${query}` : ''}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.status, text: await res.text() };
  }

  it('requires the agent token', async () => {
    expect((await logs('app', '', '')).status).toBe(401);
    expect((await logs('app', '', 'wrong-token')).status).toBe(401);
    const health = await fetch(`http://127.0.0.1:${agent.port}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
  });

  it('serves stdout and stderr of the current run', async () => {
    const { status, text } = await logs('app');
    expect(status).toBe(200);
    expect(text).toMatch(/^run \w+\nline 1\nline 2\nline 3\nline 4\nline 5\nto stderr\n/);
  });

  it('honours tailLines, limitBytes and timestamps', async () => {
    const tail = await logs('app', 'tailLines=2');
    expect(tail.text.split('\n').filter(Boolean)).toHaveLength(2);
    expect((await logs('app', 'limitBytes=9')).text).toBe('run ' + (await logs('app')).text.slice(4, 9));
    const stamped = (await logs('app', 'timestamps=true&tailLines=3')).text.trim().split('\n');
    expect(stamped).toHaveLength(3);
    for (const line of stamped) {
      const [ts] = line.split(' ');
      expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(Math.abs(Date.now() - Date.parse(ts))).toBeLessThan(60_000);
    }
  });

  it('answers errors as Kubernetes does', async () => {
    expect(await logs('nope')).toEqual({ status: 400, text: 'container nope is not valid for pod talker\n' });
    expect(await logs('app', 'previous=true')).toEqual({ status: 400, text: 'previous terminated container "app" in pod "talker" not found\n' });
    const missing = await fetch(`http://127.0.0.1:${agent.port}/containerLogs/default/ghost/app`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(missing.status).toBe(404);
  });

  it('follows a running container until the client goes, and until the container exits', async () => {
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${agent.port}/containerLogs/default/talker/app?follow=true&tailLines=0`, {
      headers: { authorization: `Bearer ${agent.token}` },
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let got = '';
    while ((got.match(/tick/g) ?? []).length < 3) got += new TextDecoder().decode((await reader.read()).value);
    expect(got).toMatch(/^tick \d+\n/);
    abort.abort();

    // A second follower sees the stream end when the container dies; the next run starts a new log.
    const follower = await fetch(`http://127.0.0.1:${agent.port}/containerLogs/default/talker/app?follow=true`, { headers: { authorization: `Bearer ${agent.token}` } });
    const whole = follower.text();
    const [pid] = hostPids(marker);
    const before = (await logs('app')).text;
    process.kill(pid, 'SIGKILL');
    const text = await whole;
    expect(text.startsWith(before.slice(0, 40))).toBe(true);
    expect(text).toContain('to stderr');

    await waitFor('the restart', async () => podStatus(await getPod(cluster, 'talker')).containerStatuses[0].restartCount === 1);
    const previous = await logs('app', 'previous=true');
    expect(previous.status).toBe(200);
    expect(previous.text.split('\n')[0]).toBe(before.split('\n')[0]);
    await waitFor('the new run to log', async () => (await logs('app')).text.startsWith('run '));
    expect((await logs('app')).text.split('\n')[0]).not.toBe(before.split('\n')[0]);
  });

  it('is what `kubectl logs` gets through the API server', async () => {
    const res = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/talker/log?tailLines=1&previous=true`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect((await res.text()).split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('reads the API server\'s log options as Kubernetes does: `previous=True` is true, `tailLines=+1` is 1, `tailLines=x` a 400', async () => {
    const get = (query: string) => fetch(`${cluster.url}/api/v1/namespaces/default/pods/talker/log?${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const [previous, canonical] = await Promise.all([get('tailLines=%2B1&previous=True'), get('tailLines=1&previous=true')]);
    expect(previous.status).toBe(200);
    expect(await previous.text()).toBe(await canonical.text());
    const bad = await get('tailLines=x');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe('strconv.ParseInt: parsing "x": invalid syntax');
  });
});
