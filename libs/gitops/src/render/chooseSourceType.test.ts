import { describe, expect, it } from 'vitest';
import { chooseSourceType } from './chooseSourceType.js';

describe('chooseSourceType', () => {
  it.each([
    { case: 'plain manifests', source: {}, names: ['deployment.yaml', 'service.yaml'], want: 'Directory' },
    { case: 'a kustomization.yaml', source: {}, names: ['kustomization.yaml', 'web.yaml'], want: 'Kustomize' },
    { case: 'a kustomization.yml', source: {}, names: ['kustomization.yml'], want: 'Kustomize' },
    { case: 'a Kustomization file', source: {}, names: ['Kustomization'], want: 'Kustomize' },
    { case: 'a chart', source: {}, names: ['Chart.yaml', 'values.yaml', 'templates'], want: 'Helm' },
    { case: 'both: the kustomization wins, as in Argo CD', source: {}, names: ['Chart.yaml', 'kustomization.yaml'], want: 'Kustomize' },
    { case: 'jsonnet files are a directory', source: {}, names: ['main.jsonnet'], want: 'Directory' },
    { case: 'explicit helm wins over a kustomization', source: { helm: { releaseName: 'x' } }, names: ['kustomization.yaml'], want: 'Helm' },
    { case: 'explicit kustomize', source: { kustomize: { namePrefix: 'a-' } }, names: ['web.yaml'], want: 'Kustomize' },
    { case: 'explicit directory wins over Chart.yaml', source: { directory: { recurse: true } }, names: ['Chart.yaml'], want: 'Directory' },
    { case: 'an empty block says nothing', source: { directory: {} }, names: ['Chart.yaml'], want: 'Helm' },
  ])('$case -> $want', ({ source, names, want }) => {
    expect(chooseSourceType(source, names)).toBe(want);
  });
});
