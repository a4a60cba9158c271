import { describe, expect, it } from 'vitest';
import { applySetters, type PolicyImage } from './applySetters.js';

const policies = new Map<string, PolicyImage>([
  ['apps:hello', { name: '127.0.0.1:5000/hello', tag: '1.0.1' }],
  ['apps:numbers', { name: 'registry.local/counter', tag: '1.10' }],
]);

describe('applySetters', () => {
  it('rewrites a Deployment image and nothing else: comments, order, indentation and other images stay', () => {
    const before = `# the web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello   # keep me
spec:
  template:
    spec:
      containers:
        - name: web
          image: 127.0.0.1:5000/hello:1.0.0 # {"$imagepolicy": "apps:hello"}
        - name: sidecar
          image: 127.0.0.1:5000/hello:0.1.0 # pinned on purpose
`;
    const r = applySetters(before, policies);
    expect(r.text).toBe(before.replace('hello:1.0.0 #', 'hello:1.0.1 #'));
    expect(r.changes).toEqual([{ line: 11, oldValue: '127.0.0.1:5000/hello:1.0.0', newValue: '127.0.0.1:5000/hello:1.0.1', setter: 'apps:hello' }]);
  });

  it('rewrites the tag and name of a kustomization images entry', () => {
    const before = `resources:
  - deployment.yaml
images:
  - name: hello
    newName: old.registry/hello # {"$imagepolicy": "apps:hello:name"}
    newTag: "1.0.0"  # {"$imagepolicy": "apps:hello:tag"}
`;
    const r = applySetters(before, policies);
    expect(r.text).toBe(`resources:
  - deployment.yaml
images:
  - name: hello
    newName: 127.0.0.1:5000/hello # {"$imagepolicy": "apps:hello:name"}
    newTag: "1.0.1"  # {"$imagepolicy": "apps:hello:tag"}
`);
    expect(r.changes.map((c) => [c.setter, c.newValue])).toEqual([
      ['apps:hello:name', '127.0.0.1:5000/hello'],
      ['apps:hello:tag', '1.0.1'],
    ]);
  });

  it('rewrites Helm values, keeping single quotes and quoting a tag that would read as a number', () => {
    const before = `image:
  repository: 'registry.local/counter' # {"$imagepolicy": "apps:numbers:name"}
  tag: 1.9 # {"$imagepolicy": "apps:numbers:tag"}
  pullPolicy: IfNotPresent
`;
    expect(applySetters(before, policies).text).toBe(`image:
  repository: 'registry.local/counter' # {"$imagepolicy": "apps:numbers:name"}
  tag: "1.10" # {"$imagepolicy": "apps:numbers:tag"}
  pullPolicy: IfNotPresent
`);
  });

  it('leaves a plain tag plain when it reads as a string', () => {
    expect(applySetters('tag: 1.0.0 # {"$imagepolicy": "apps:hello:tag"}\n', policies).text).toBe('tag: 1.0.1 # {"$imagepolicy": "apps:hello:tag"}\n');
  });

  it('rewrites a sequence item and keeps CRLF line ends', () => {
    const before = 'images:\r\n  - 127.0.0.1:5000/hello:1.0.0 # {"$imagepolicy": "apps:hello"}\r\n';
    expect(applySetters(before, policies).text).toBe('images:\r\n  - 127.0.0.1:5000/hello:1.0.1 # {"$imagepolicy": "apps:hello"}\r\n');
  });

  it('changes nothing when the value is already the chosen one (the same text comes back)', () => {
    const text = 'image: 127.0.0.1:5000/hello:1.0.1 # {"$imagepolicy": "apps:hello"}\n';
    const r = applySetters(text, policies);
    expect(r).toEqual({ text, changes: [], unknownPolicies: [] });
  });

  it('reports markers of unknown policies and ignores comments that are not markers', () => {
    const text = `a: x:1 # {"$imagepolicy": "other:hello"}
b: y:1 # {"$imagepolicy": 3}
c: z:1 # {not json}
d: w:1 # plain comment
e: v:1 # {"$imagepolicy": "apps:hello:digest"}
`;
    const r = applySetters(text, policies);
    expect(r.text).toBe(text);
    expect(r.unknownPolicies).toEqual(['other:hello']);
  });
});
