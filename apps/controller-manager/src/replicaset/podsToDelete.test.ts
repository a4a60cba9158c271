import { describe, expect, it } from 'vitest';
import { makePod } from '../testing/builders.js';
import { podsToDelete } from './podsToDelete.js';

describe('podsToDelete: which pods a shrinking ReplicaSet removes first', () => {
  it.each([
    ['unscheduled before scheduled', [makePod('a').node('n1').ready().build(), makePod('b').build()], 'b'],
    ['pending before running', [makePod('a').node('n1').ready().build(), makePod('b').node('n1').phase('Pending').build()], 'b'],
    ['not ready before ready', [makePod('a').node('n1').ready().build(), makePod('b').node('n2').phase('Running').build()], 'b'],
    ['doubled up on a node before alone', [makePod('a').node('n1').ready().build(), makePod('b').node('n1').ready().build(), makePod('c').node('n2').ready().build()], 'b'],
    ['ready for less time first', [makePod('a').node('n1').ready('2026-01-01T00:00:00Z').build(), makePod('b').node('n2').ready('2026-01-02T00:00:00Z').build()], 'b'],
    ['more restarts first', [makePod('a').node('n1').ready().build(), makePod('b').node('n2').ready().restarts(3).build()], 'b'],
    ['newer first', [makePod('a').node('n1').ready().build(), makePod('b').node('n2').ready().created('2026-02-01T00:00:00Z').build()], 'b'],
  ])('%s', (_, pods, want) => {
    expect(podsToDelete(pods, 1).map((p) => p.metadata.name)).toEqual([want]);
  });

  it('returns nothing for a count of zero and everything when asked for more', () => {
    const pods = [makePod('a').build(), makePod('b').build()];
    expect(podsToDelete(pods, 0)).toEqual([]);
    expect(podsToDelete(pods, 5)).toHaveLength(2);
  });
});
