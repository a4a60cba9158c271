import { describe, expect, it } from 'vitest';
import { nextPage } from './listTags.js';

describe('nextPage', () => {
  it.each([
    [null, undefined],
    ['</v2/hello/tags/list?last=b&n=2>; rel="next"', 'http://r:5000/v2/hello/tags/list?last=b&n=2'],
    ['<https://cdn/v2/x?last=1>; rel=next', 'https://cdn/v2/x?last=1'],
    ['</prev>; rel="prev", </v2/hello/tags/list?last=c>; rel="next"', 'http://r:5000/v2/hello/tags/list?last=c'],
    ['</v2/hello/tags/list?last=c>; rel="prev"', undefined],
  ])('%s -> %s', (link, next) => {
    expect(nextPage(link, 'http://r:5000/v2/hello/tags/list?n=2')).toBe(next);
  });
});
