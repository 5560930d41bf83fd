// Which local variables a new session gets (main/engine/ssh/environment.ts).

import { describe, expect, it } from 'vitest';
import { sessionEnvironment } from '../../main/engine/ssh/environment';

describe('sessionEnvironment', () => {
  const local = {
    LANG: 'de_DE.UTF-8',
    LC_TIME: 'C',
    lc_lower: 'x',
    EDITOR: 'vim',
    UNSET: undefined,
  };

  it('sends the variables SendEnv names, by case-sensitive glob, and only set ones', () => {
    expect(sessionEnvironment({ sendEnv: ['LANG', 'LC_*', 'UNSET'], setEnv: {} }, local)).toEqual({
      LANG: 'de_DE.UTF-8',
      LC_TIME: 'C',
    });
  });

  it('adds SetEnv, which wins over a sent variable of the same name', () => {
    expect(
      sessionEnvironment({ sendEnv: ['LANG'], setEnv: { LANG: 'C.UTF-8', TZ: 'UTC' } }, local),
    ).toEqual({ LANG: 'C.UTF-8', TZ: 'UTC' });
  });

  it('sends nothing when SendEnv and SetEnv are empty', () => {
    expect(sessionEnvironment({ sendEnv: [], setEnv: {} }, local)).toEqual({});
  });
});
