import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useKubectlServer } from './harness.js';

/**
 * HorizontalPodAutoscalers through the real kubectl: autoscaling/v2 with defaults, validation and
 * kubectl's columns, and autoscaling/v1 as a second view of the same objects (`kubectl autoscale`).
 */
describe('HorizontalPodAutoscaler', () => {
  const k = useKubectlServer('skiff-hpa-api-');

  const file = (name: string, text: string) => {
    const path = join(k.dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('creates a v2 HPA with Kubernetes\' defaults and prints kubectl\'s columns', async () => {
    const path = file('web.yaml', `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  behavior: {scaleDown: {stabilizationWindowSeconds: 30}}
`);
    expect((await k.run(['apply', '-f', path])).out).toContain('horizontalpodautoscaler.autoscaling/web created');
    const hpa = JSON.parse((await k.run(['get', 'hpa', 'web', '-o', 'json'])).stdout);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    expect(hpa.spec.behavior.scaleDown).toEqual({ stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    expect(hpa.spec.behavior.scaleUp.policies).toHaveLength(2);
    const table = (await k.run(['get', 'hpa'])).stdout;
    expect(table).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\n/);
    expect(table).toMatch(/^web\s+Deployment\/web\s+cpu: <unknown>\/80%\s+1\s+5\s+0\s+\S+\n/m);
  });

  it('refuses an invalid HPA with field errors', async () => {
    const path = file('bad.yaml', `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: bad}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 2
`);
    const r = await k.run(['apply', '-f', path]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The HorizontalPodAutoscaler "bad" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`');
  });

  it('serves autoscaling/v1 as a view of the same objects: kubectl autoscale, and a cpu target both ways', async () => {
    expect((await k.run(['create', 'deployment', 'api', '--image=nginx'])).code).toBe(0);
    const r = await k.run(['autoscale', 'deployment', 'api', '--min=2', '--max=4', '--cpu-percent=60']);
    expect(r.out).toContain('horizontalpodautoscaler.autoscaling/api autoscaled');
    const v2 = JSON.parse((await k.run(['get', 'horizontalpodautoscalers.v2.autoscaling', 'api', '-o', 'json'])).stdout);
    expect(v2.spec).toMatchObject({ minReplicas: 2, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] });
    const v1 = JSON.parse((await k.run(['get', 'horizontalpodautoscalers.v1.autoscaling', 'api', '-o', 'json'])).stdout);
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 60 });
    // A v1 patch changes the v2 object's metric.
    expect((await k.run(['patch', 'horizontalpodautoscalers.v1.autoscaling', 'api', '--type=merge', '-p', '{"spec":{"targetCPUUtilizationPercentage":70}}'])).code).toBe(0);
    const patched = JSON.parse((await k.run(['get', 'hpa', 'api', '-o', 'json'])).stdout);
    expect(patched.spec.metrics[0].resource.target.averageUtilization).toBe(70);
    // The v2 HPA of the first test, seen as v1: its behavior rides in an annotation.
    const web = JSON.parse((await k.run(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'json'])).stdout);
    expect(web.spec.targetCPUUtilizationPercentage).toBe(80);
    expect(JSON.parse(web.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior']).scaleDown.stabilizationWindowSeconds).toBe(30);
    expect((await k.run(['get', 'hpa', 'web', '-o', 'json'])).stdout).not.toContain('autoscaling.alpha.kubernetes.io');
  });
});
