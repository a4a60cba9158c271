import { describe, expect, it } from 'vitest';
import { expand, shellWords } from './runner.js';

describe('shellWords', () => {
  it.each([
    ['get pods abc -o name', ['get', 'pods', 'abc', '-o', 'name']],
    ["delete pods -l'name in (valid-pod)' --force", ['delete', 'pods', '-lname in (valid-pod)', '--force']],
    [`patch pod p -p='{"a": "b c"}'`, ['patch', 'pod', 'p', '-p={"a": "b c"}']],
    [`label pods p emptylabel=''`, ['label', 'pods', 'p', 'emptylabel=']],
    [`get pods -l "tier=frontend"`, ['get', 'pods', '-l', 'tier=frontend']],
  ])('splits %s', (line, words) => {
    expect(shellWords(line)).toEqual(words);
  });

  it('rejects an unterminated quote', () => {
    expect(() => shellWords("get 'pods")).toThrow(/unterminated/);
  });
});

describe('expand', () => {
  it('fills in known names and leaves the rest', () => {
    expect(expand('-f $FIX/pod.yaml $unknown', { FIX: '/tmp/f' })).toBe('-f /tmp/f/pod.yaml $unknown');
  });
});
