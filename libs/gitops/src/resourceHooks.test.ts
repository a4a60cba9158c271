import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { hookAnnotationErrors, hookDeletePolicies, hookTypes } from './resourceHooks.js';
import { syncWave } from './syncOrder.js';
import { compareOptions, parseSyncOptions, resourceSyncOptions } from './syncOptions.js';

const job = (annotations: Record<string, string>): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'migrate-', annotations } });

describe('resource hooks', () => {
  it.each<[string, Record<string, string>, string[], string[]]>([
    ['an ordinary object', {}, [], ['BeforeHookCreation']],
    ['an Argo CD PreSync hook', { 'argocd.argoproj.io/hook': 'PreSync' }, ['PreSync'], ['BeforeHookCreation']],
    ['a comma list with spaces', { 'argocd.argoproj.io/hook': 'PreSync, PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded,HookFailed' }, ['PreSync', 'PostSync'], ['HookSucceeded', 'HookFailed']],
    ['Skip', { 'argocd.argoproj.io/hook': 'Skip' }, ['Skip'], ['BeforeHookCreation']],
    ['helm pre-install and pre-upgrade are one PreSync', { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-delete-policy': 'hook-succeeded' }, ['PreSync'], ['HookSucceeded']],
    ['helm post-upgrade', { 'helm.sh/hook': 'post-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-failed' }, ['PostSync'], ['BeforeHookCreation', 'HookFailed']],
    ['a helm test hook is never applied', { 'helm.sh/hook': 'test' }, ['Skip'], ['BeforeHookCreation']],
    ['Argo CD annotations win over Helm', { 'argocd.argoproj.io/hook': 'Sync', 'helm.sh/hook': 'pre-install', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed', 'helm.sh/hook-delete-policy': 'hook-succeeded' }, ['Sync'], ['HookFailed']],
  ])('%s', (_name, annotations, types, policies) => {
    expect(hookTypes(job(annotations))).toEqual(types);
    expect(hookDeletePolicies(job(annotations))).toEqual(policies);
  });

  it('reports misspelled hook annotations', () => {
    expect(hookAnnotationErrors(job({ 'argocd.argoproj.io/hook': 'PreSynk', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }))).toEqual([
      { annotation: 'argocd.argoproj.io/hook', message: 'argocd.argoproj.io/hook must be a comma-separated list of PreSync, Sync, PostSync, SyncFail, Skip, got "PreSynk"' },
    ]);
    expect(hookAnnotationErrors(job({ 'argocd.argoproj.io/hook-delete-policy': '' }))).toHaveLength(1);
  });

  it.each<[Record<string, string>, number]>([
    [{}, 0],
    [{ 'skiff.dev/sync-wave': '2' }, 2],
    [{ 'argocd.argoproj.io/sync-wave': '-1' }, -1],
    [{ 'skiff.dev/sync-wave': '3', 'argocd.argoproj.io/sync-wave': '3' }, 3],
    [{ 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '5' }, 5],
    [{ 'argocd.argoproj.io/sync-wave': '1', 'helm.sh/hook-weight': '5' }, 1],
  ])('wave of %j is %d', (annotations, wave) => {
    expect(syncWave(job(annotations))).toBe(wave);
  });

  it('reads sync and compare options from lists and annotations', () => {
    expect([...parseSyncOptions(['CreateNamespace=true', 'PruneLast=true'])]).toEqual([['CreateNamespace', 'true'], ['PruneLast', 'true']]);
    expect([...resourceSyncOptions(job({ 'argocd.argoproj.io/sync-options': 'Prune=false, Replace=true' }))]).toEqual([['Prune', 'false'], ['Replace', 'true']]);
    expect([...compareOptions(job({ 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' }))]).toEqual(['IgnoreExtraneous']);
    expect(compareOptions(job({})).size).toBe(0);
  });
});
