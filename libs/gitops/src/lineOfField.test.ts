import { describe, expect, it } from 'vitest';
import { lineOfField } from './lineOfField.js';

const text = `# web
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    skiff.dev/sync-wave: "1"
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: nginx:1
          ports:
            - containerPort: 80
        - name: sidecar
          image: busybox
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
`;

describe('lineOfField', () => {
  it.each([
    [2, 'spec.replicas', 9],
    [2, 'spec.template.spec.containers[0].image', 14],
    [2, 'spec.template.spec.containers[1].image', 18],
    [2, 'spec.template.spec.containers[name=sidecar]', 17],
    [2, 'spec.template.spec.containers[0].ports[0].containerPort', 16],
    [2, 'metadata.annotations[skiff.dev/sync-wave]', 7],
    [2, 'spec.template.spec.containers[0].resources.limits', 13],
    [2, 'spec.strategy', 8],
    [2, '', 2],
    [20, 'spec.ports[0].port', 25],
    [20, 'metadata.name', 23],
    [20, 'spec.replicas', 24],
  ])('document at line %i, %s -> line %i', (docStart, path, line) => {
    expect(lineOfField(text, docStart, path)).toBe(line);
  });

  it('falls back to the document start when the text does not parse', () => {
    expect(lineOfField('a: b\n c: d\n', 1, 'a')).toBe(1);
  });
});
