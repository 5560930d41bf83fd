/**
 * Find in the terminal, in real Chromium against a real sshd: Ctrl+Shift+F opens the bar,
 * the count says "N of M" as you type and as Enter / Shift+Enter move; Match case, Whole
 * word and Regular expression each change what is found (by button and by Alt+C/W/R), and
 * a pattern that is not a regular expression says so instead of failing.
 */
import { describe, expect, it } from 'vitest';
import { useBrowserBed } from './bed';
import {
  pollFor,
  quickConnect,
  screenshot,
  setPrompt,
  typeInTerminal,
  waitForLine,
  waitForState,
} from './support';

const ALIAS = 'hf-e2e-find';

const bed = useBrowserBed('e2e-find', ALIAS);

describe('find', () => {
  it('counts matches and honours match case, whole word and regular expressions', async () => {
    const page = await bed.app();
    const tab = await quickConnect(page, ALIAS);
    await waitForState(page, tab, 'connected');
    await setPrompt(page, tab);
    // The command line never spells the word, so only the output has it.
    await typeInTerminal(page, 'x=pple; echo "a$x A$x pinea$x a$x-pie"; echo "a$x" | tr a-z A-Z\n');
    await waitForLine(page, tab, /^APPLE$/);

    await page.keyboard.press('Control+Shift+F');
    const bar = page.locator('.pane.active .search-bar');
    const count = bar.locator('.search-count');
    const expectCount = (what: string, re: RegExp) =>
      pollFor(
        what,
        () => count.textContent(),
        (t) => re.test(t ?? ''),
        10_000,
      );

    await bar.locator('input').fill('apple');
    // apple, Apple, pineapple, apple-pie, APPLE
    await expectCount('five matches in any case', /^\d of 5$/);
    const first = await count.textContent();
    await page.keyboard.press('Enter');
    await expectCount('the next match', /^\d of 5$/);
    expect(await count.textContent()).not.toBe(first);
    await page.keyboard.press('Shift+Enter');
    await expectCount('back to the first', new RegExp(`^${first}$`));

    await bar.locator('button[aria-label="Match case"]').click();
    await expectCount('three in lower case', /^\d of 3$/);
    await bar.locator('button[aria-label="Whole word"]').click();
    // apple and apple-pie; not pineapple.
    await expectCount('two whole words', /^\d of 2$/);
    await screenshot(page, 'find-bar');
    await page.keyboard.press('Alt+c'); // match case off, from the field
    await expectCount('four whole words in any case', /^\d of 4$/);
    await page.keyboard.press('Alt+w');
    await expectCount('five again', /^\d of 5$/);

    await bar.locator('button[aria-label="Regular expression"]').click();
    await bar.locator('input').fill('p{2}le-p');
    await expectCount('one regex match', /^1 of 1$/);
    await bar.locator('input').fill('ap(ple');
    await expectCount('a bad pattern named', /^Bad pattern$/);
    expect(await count.getAttribute('title')).toMatch(/^Not a regular expression: /);
    await bar.locator('input').fill('nothing-here');
    await expectCount('no match', /^No results$/);

    await page.keyboard.press('Escape');
    await pollFor(
      'the bar to close',
      () => bar.count(),
      (n) => n === 0,
    );
  });
});
