// The locale the desktop app gives itself when started without one (main/app/locale.ts),
// which SendEnv then passes to new sessions.

import { describe, expect, it } from 'vitest';
import { localeEnv } from '../../main/app/locale';

describe('localeEnv', () => {
  it('derives LANG from the system locale when the environment has none', () => {
    expect(localeEnv({}, 'en-US')).toEqual({ LANG: 'en_US.UTF-8' });
    expect(localeEnv({}, 'pt-BR')).toEqual({ LANG: 'pt_BR.UTF-8' });
    expect(localeEnv({}, 'zh-Hans-CN')).toEqual({ LANG: 'zh_CN.UTF-8' });
    expect(localeEnv({}, 'de')).toEqual({ LANG: 'de_DE.UTF-8' });
    expect(localeEnv({}, 'es-419')).toEqual({ LANG: 'es_ES.UTF-8' });
  });

  it('falls back to en_US.UTF-8 for a locale it cannot read', () => {
    expect(localeEnv({}, '')).toEqual({ LANG: 'en_US.UTF-8' });
    expect(localeEnv({}, 'C')).toEqual({ LANG: 'en_US.UTF-8' });
  });

  it('leaves a locale the environment already has alone', () => {
    expect(localeEnv({ LANG: 'C.UTF-8' }, 'en-US')).toBeUndefined();
    expect(localeEnv({ LC_ALL: 'fr_FR.UTF-8' }, 'en-US')).toBeUndefined();
    expect(localeEnv({ LC_CTYPE: 'UTF-8' }, 'en-US')).toBeUndefined();
  });
});
