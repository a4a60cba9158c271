import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';

/**
 * A port of the assertion vocabulary of Kubernetes' `hack/lib/test.sh` (used by `test/cmd/*.sh`),
 * as data: a case is a named list of steps, each one kubectl invocation with its expected outcome.
 *
 * Text in `kubectl`, `stdin`, `get` and `expect` may name `$FIX` (the fixture directory), `$TMP`
 * (the case's scratch directory), `$NS` (the case's current namespace) and `$name` for a value an
 * earlier step captured.
 */
export interface RunStep {
  /** One command line, split like a shell word list (quotes group, nothing else is special). */
  kubectl: string | ((vars: Vars) => string);
  stdin?: string | ((vars: Vars) => string);
  /** test/cmd runs commands under errexit; `fail: true` is its `! kubectl ...`. */
  fail?: boolean;
  /** test/cmd only greps the output (`grep -q x <<< "$(kubectl ... 2>&1)"`): any exit code will do. */
  anyExit?: boolean;
  /** Strings that stdout + stderr must hold (`kube::test::if_has_string`). */
  has?: string[];
  /** Strings that stdout + stderr must not hold (`kube::test::if_has_not_string`). */
  lacks?: string[];
  /** Keep stdout (trimmed) under this name for later steps. */
  capture?: string;
  /** Extra environment for kubectl (EDITOR for `kubectl edit`). */
  env?: Record<string, string>;
}

/** `kube::test::get_object_assert` / `wait_object_assert`: `kubectl get <get> -o go-template=<template>` matches ^expect$. */
export interface GetStep {
  get: string;
  template: string;
  expect: string;
  /** jsonpath instead of go-template (`get_object_jsonpath_assert`). */
  jsonpath?: boolean;
  /** Retry until it matches (`wait_object_assert`), for what a controller converges. */
  wait?: boolean;
}

/** `create_and_use_new_namespace`: a fresh namespace becomes the context's default. */
export interface NamespaceStep {
  newNamespace: true;
}

/** `kubectl config set-context --namespace=<name>`: an existing namespace becomes the default. */
export interface UseNamespaceStep {
  useNamespace: string;
}

/** test/cmd's `for count in {0..3}` loops: run `steps` again (with backoff) while they fail with `when`. */
export interface RetryStep {
  attempts: number;
  when: string;
  steps: Step[];
}

export type Step = RunStep | GetStep | NamespaceStep | UseNamespaceStep | RetryStep;

export interface ConformanceCase {
  name: string;
  /** Where the assertions come from: `core.sh run_pod_tests`. */
  source: string;
  /** Run in this namespace instead of a fresh one (run_service_tests uses `default`). */
  namespace?: string;
  /** Run before the concurrent cases, by itself (what it asserts counts everything in the cluster). */
  alone?: boolean;
  /** Run after every other case, by itself (it deletes what other cases may still use). */
  last?: boolean;
  steps: Step[];
  /**
   * kubectl lines run after the case whatever happened, errors ignored: a case that fails half-way
   * in a shared namespace must not fail the next one too.
   */
  cleanup?: string[];
}

export type Vars = Record<string, string>;

export interface CaseResult {
  name: string;
  source: string;
  pass: boolean;
  steps: number;
  ms: number;
  /** The first failing step and what it printed. */
  failure?: string;
}

interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Splits a command line into words: whitespace separates, '...' and "..." group (`-l'a in (b)'` is one word). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in: ${line}`);
  if (inWord) words.push(word);
  return words;
}

export function expand(text: string, vars: Vars): string {
  return text.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, name: string) => vars[name] ?? m);
}

function runKubectl(kubeconfig: string, args: string[], input: string | undefined, env: Record<string, string> = {}): Promise<KubectlRun> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', args, { env: { ...process.env, ...env, KUBECONFIG: kubeconfig }, timeout: 60_000 }, (err, stdout, stderr) => {
      const killed = err && (err as { killed?: boolean }).killed ? 'kubectl killed after 60 s\n' : '';
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: killed + String(stderr) });
    });
    child.stdin!.end(input ?? '');
  });
}

class StepFailed extends Error {}

function describeStep(step: Step): string {
  if ('kubectl' in step) return `kubectl ${typeof step.kubectl === 'string' ? step.kubectl : step.kubectl.toString()}`;
  if ('get' in step) return `get ${step.get} ${step.jsonpath ? 'jsonpath' : 'go-template'}=${step.template} =~ ^${step.expect}$`;
  if ('useNamespace' in step) return `use namespace ${step.useNamespace}`;
  if ('attempts' in step) return `up to ${step.attempts} tries while "${step.when}" of: ${step.steps.map(describeStep).join('; ')}`;
  return 'create_and_use_new_namespace';
}

/**
 * `kubectl config set-context --current --namespace=<ns>`, written straight into the case's own
 * kubeconfig: the same file change without one more kubectl start per case.
 */
function useNamespace(kubeconfig: string, ns: string): void {
  const config = yaml.load(readFileSync(kubeconfig, 'utf8')) as { 'current-context': string; contexts: { name: string; context: { namespace?: string } }[] };
  const current = config.contexts.find((c) => c.name === config['current-context']);
  if (!current) throw new StepFailed(`kubeconfig ${kubeconfig} has no current context`);
  current.context.namespace = ns;
  writeFileSync(kubeconfig, yaml.dump(config));
}

interface CaseContext {
  kubeconfig: string;
  vars: Vars;
  newNamespace(): Promise<void>;
}

async function runStep(ctx: CaseContext, step: Step): Promise<void> {
  if ('newNamespace' in step) return ctx.newNamespace();
  if ('attempts' in step) {
    for (let attempt = 1; ; attempt++) {
      try {
        for (const inner of step.steps) await runStep(ctx, inner);
        return;
      } catch (err) {
        if (attempt >= step.attempts || !(err as Error).message.includes(step.when)) throw err;
        await new Promise((res) => setTimeout(res, 100 * 2 ** attempt));
      }
    }
  }
  if ('useNamespace' in step) {
    ctx.vars.NS = step.useNamespace;
    return useNamespace(ctx.kubeconfig, step.useNamespace);
  }
  if ('get' in step) {
    const args = ['get', ...shellWords(expand(step.get, ctx.vars)), '-o', `${step.jsonpath ? 'jsonpath' : 'go-template'}=${expand(step.template, ctx.vars)}`];
    const want = new RegExp(`^(?:${expand(step.expect, ctx.vars)})$`, 's');
    // wait_object_assert retries 10 times with a growing sleep (~55 s at most); a poll to 30 s matches it.
    const deadline = Date.now() + (step.wait ? 30_000 : 0);
    for (;;) {
      const r = await runKubectl(ctx.kubeconfig, args, undefined);
      if (r.code === 0 && want.test(r.stdout)) return;
      if (Date.now() >= deadline) throw new StepFailed(`got ${JSON.stringify(r.stdout)}${r.code ? ` (exit ${r.code}: ${r.stderr.trim()})` : ''}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }
  const line = typeof step.kubectl === 'string' ? step.kubectl : step.kubectl(ctx.vars);
  const args = shellWords(line).map((w) => expand(w, ctx.vars));
  const input = typeof step.stdin === 'function' ? step.stdin(ctx.vars) : step.stdin !== undefined ? expand(step.stdin, ctx.vars) : undefined;
  const r = await runKubectl(ctx.kubeconfig, args, input, step.env);
  const output = r.stdout + r.stderr;
  const show = () => `exit ${r.code}\n${output.trim().slice(0, 1500)}`;
  if (!step.anyExit && (step.fail ? r.code === 0 : r.code !== 0)) throw new StepFailed(`expected ${step.fail ? 'failure' : 'success'}, got ${show()}`);
  for (const s of step.has ?? []) if (!output.includes(expand(s, ctx.vars))) throw new StepFailed(`output lacks ${JSON.stringify(s)}: ${show()}`);
  for (const s of step.lacks ?? []) if (output.includes(expand(s, ctx.vars))) throw new StepFailed(`output holds ${JSON.stringify(s)}: ${show()}`);
  if (step.capture) ctx.vars[step.capture] = r.stdout.trim();
}

export interface RunOptions {
  kubeconfig: string;
  /** Scratch space: one directory per case (its kubeconfig, `$TMP`). */
  workDir: string;
  fixtureDir: string;
  /** Values every case may name (`$SVC_IP_R2`). */
  vars: Vars;
}

/**
 * Runs one case against the cluster in `kubeconfig`; a failing step ends the case (test/cmd runs
 * under errexit) but never throws, so one case cannot stop the others.
 */
export async function runCase(c: ConformanceCase, opts: RunOptions & { index: number }): Promise<CaseResult> {
  const started = Date.now();
  const dir = join(opts.workDir, `case-${opts.index}`);
  mkdirSync(dir, { recursive: true });
  // Each case gets its own kubeconfig, so switching its default namespace touches no other case.
  const kubeconfig = join(dir, 'kubeconfig');
  copyFileSync(opts.kubeconfig, kubeconfig);
  let namespaces = 0;
  const ctx: CaseContext = {
    kubeconfig,
    vars: { ...opts.vars, FIX: opts.fixtureDir, TMP: dir, NS: '' },
    newNamespace: async () => {
      const ns = `namespace-${opts.index}-${++namespaces}`;
      const created = await runKubectl(kubeconfig, ['create', 'namespace', ns], undefined);
      if (created.code !== 0) throw new StepFailed(`create namespace ${ns}: ${created.stderr}`);
      ctx.vars.NS = ns;
      useNamespace(kubeconfig, ns);
    },
  };
  const steps: Step[] = [c.namespace ? { useNamespace: c.namespace } : { newNamespace: true }, ...c.steps];
  let failure: string | undefined;
  for (const [i, step] of steps.entries()) {
    try {
      await runStep(ctx, step);
    } catch (err) {
      failure = `step ${i + 1} (${describeStep(step)}): ${(err as Error).message}`;
      break;
    }
  }
  for (const line of c.cleanup ?? []) await runKubectl(kubeconfig, shellWords(line), undefined);
  return { name: c.name, source: c.source, pass: !failure, steps: steps.length, ms: Date.now() - started, ...(failure ? { failure } : {}) };
}

/**
 * Runs every case and returns the results in case order. Cases that share the `default` namespace
 * (asserting "only the kubernetes service exists") or count the whole cluster run one after another
 * first; the rest, each in namespaces of its own, run `concurrency` at a time; `last` cases end it.
 */
export async function runCases(cases: readonly ConformanceCase[], opts: RunOptions & { concurrency: number }): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(cases.length);
  const indexed = cases.map((c, i) => ({ c, i }));
  const alone = (c: ConformanceCase) => (c.alone || c.namespace !== undefined) && !c.last;
  const one = async ({ c, i }: { c: ConformanceCase; i: number }) => {
    results[i] = await runCase(c, { ...opts, index: i });
  };
  for (const entry of indexed.filter(({ c }) => alone(c))) await one(entry);
  const queue = indexed.filter(({ c }) => !alone(c) && !c.last);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await one(next);
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  for (const entry of indexed.filter(({ c }) => c.last)) await one(entry);
  return results;
}

// The field names test/cmd's `hack/lib/test.sh` keeps in variables (`$id_field`, `$labels_field`, ...).
export const ID = '.metadata.name';
export const LABELS = '.metadata.labels';
export const ANNOTATIONS = '.metadata.annotations';
export const POD_IMAGE = '(index .spec.containers 0).image';
export const TEMPLATE_IMAGE_0 = '(index .spec.template.spec.containers 0).image';
export const TEMPLATE_IMAGE_1 = '(index .spec.template.spec.containers 1).image';

/** `kubectl <line>` that must succeed (or, with `fail`, must fail). */
export function k(line: RunStep['kubectl'], more: Omit<RunStep, 'kubectl'> = {}): RunStep {
  return { kubectl: line, ...more };
}

/** `kubectl <line>` that must fail, with the strings its output must hold. */
export function kFails(line: string, ...has: string[]): RunStep {
  return { kubectl: line, fail: true, has };
}

/** get_object_assert <get> "{{range.items}}{{$id_field}}:{{end}}" <expect> */
export function names(get: string, expect: string, wait = false): GetStep {
  return { get, template: `{{range.items}}{{${ID}}}:{{end}}`, expect, ...(wait ? { wait } : {}) };
}

/** get_object_assert <get> <template> <expect> */
export function field(get: string, template: string, expect: string, wait = false): GetStep {
  return { get, template, expect, ...(wait ? { wait } : {}) };
}

/** The "{{range.items}}{{ if eq $id_field \"x\" }}found{{end}}{{end}}:" idiom: is object x in the list? */
export function found(get: string, name: string, present: boolean): GetStep {
  return { get, template: `{{range.items}}{{ if eq ${ID} "${name}" }}found{{end}}{{end}}:`, expect: present ? 'found:' : ':' };
}
