// What Find asks the search addon for. Whole word is done here, as a regular expression
// with lookarounds, because the addon's own (addon-search 0.16) gives up on a line at its
// first match inside a word: "apple" in "pineapple apple-pie" would miss "apple-pie".

export type FindOptions = { caseSensitive: boolean; regex: boolean; wholeWord: boolean };

/** Letters, digits and _ of the scripts a shell shows most; anything else ends a word. */
const WORD_CHAR = '[\\w\\u00C0-\\u024F\\u0370-\\u03FF\\u0400-\\u04FF]';

/** The addon's term and options for `text` with these toggles. */
export function findQuery(
  text: string,
  opts: FindOptions,
): { term: string; caseSensitive: boolean; regex: boolean } {
  if (!opts.wholeWord || text === '') {
    return { term: text, caseSensitive: opts.caseSensitive, regex: opts.regex };
  }
  const body = opts.regex ? `(?:${text})` : text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return {
    term: `(?<!${WORD_CHAR})${body}(?!${WORD_CHAR})`,
    caseSensitive: opts.caseSensitive,
    regex: true,
  };
}
