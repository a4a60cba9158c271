import { describe, expect, it } from 'vitest';
import { podRequests, type PodSpecLike } from './podRequests.js';

const c = (cpu?: string, memory?: string) => ({ resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } });
const Mi = 2 ** 20;

describe('podRequests', () => {
  it.each<[string, PodSpecLike, [number, number], [number, number]]>([
    ['one container', { containers: [c('500m', '1Gi')] }, [500, 1024 * Mi], [500, 1024 * Mi]],
    ['containers add up', { containers: [c('500m', '1Gi'), c('250m', '512Mi')] }, [750, 1536 * Mi], [750, 1536 * Mi]],
    ['unset requests: 0 to fit, defaults to score', { containers: [{}] }, [0, 0], [100, 200 * Mi]],
    ['Kubernetes example: init 2/1G and 2/3G, apps 2/1G and 1/1G', { initContainers: [c('2', '1G'), c('2', '3G')], containers: [c('2', '1G'), c('1', '1G')] }, [3000, 3e9], [3000, 3e9]],
    ['an init container above the app sum', { initContainers: [c('4')], containers: [c('1', '1Gi')] }, [4000, 1024 * Mi], [4000, 1024 * Mi]],
    ['overhead adds', { containers: [c('1', '1Gi')], overhead: { cpu: '250m', memory: '64Mi' } }, [1250, 1088 * Mi], [1250, 1088 * Mi]],
    ['fractional cpu rounds up to a millicore', { containers: [c('0.0001')] }, [1, 0], [1, 200 * Mi]],
  ])('%s', (_name, spec, [cpu, mem], [nzCpu, nzMem]) => {
    const r = podRequests(spec);
    expect(r.requests).toEqual({ milliCpu: cpu, memory: mem });
    expect(r.nonZeroRequests).toEqual({ milliCpu: nzCpu, memory: nzMem });
  });
});
