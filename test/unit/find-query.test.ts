// What these prove: Find's whole-word search (renderer/src/terminal/findQuery.ts) finds a
// word wherever it stands on a line, including after the same letters inside a longer
// word, and never inside one; plain text is escaped, a user's regular expression grouped;
// without whole word the text goes to the addon as typed.

import { describe, expect, it } from 'vitest';
import { findQuery } from '../../renderer/src/terminal/findQuery';

function matches(text: string, line: string, regex = false, caseSensitive = true): string[] {
  const q = findQuery(text, { caseSensitive, regex, wholeWord: true });
  expect(q.regex).toBe(true);
  return [...line.matchAll(new RegExp(q.term, caseSensitive ? 'g' : 'gi'))].map(
    (m) => `${m.index}:${m[0]}`,
  );
}

describe('whole-word find', () => {
  it('finds each whole word on a line, also after one inside a longer word', () => {
    expect(matches('apple', 'apple Apple pineapple apple-pie')).toEqual(['0:apple', '22:apple']);
    expect(matches('apple', 'apple Apple pineapple apple-pie', false, false)).toEqual([
      '0:apple',
      '6:Apple',
      '22:apple',
    ]);
  });

  it('treats accented and Cyrillic letters as letters, punctuation as a boundary', () => {
    expect(matches('té', 'été té (té)')).toEqual(['4:té', '8:té']);
    expect(matches('да', 'когда да')).toEqual(['6:да']);
  });

  it('escapes plain text and groups a regular expression', () => {
    expect(matches('a.b', 'a.b axb')).toEqual(['0:a.b']);
    expect(matches('ab|cd', 'xab cd abx', true)).toEqual(['4:cd']);
  });

  it('leaves the text as typed without whole word', () => {
    expect(findQuery('a.b', { caseSensitive: false, regex: false, wholeWord: false })).toEqual({
      term: 'a.b',
      caseSensitive: false,
      regex: false,
    });
  });
});
