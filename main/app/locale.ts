// A desktop app started from the Dock or a launcher often has no locale in its environment
// (macOS never sets LANG for GUI apps), and then new sessions get nothing to send with
// SendEnv and fall back to the server's default, often POSIX, in which shells garble every
// non-ASCII key. Terminal apps set LANG from the system's language when they start
// (Terminal.app, iTerm2); Holdfast does the same, only when no locale variable is set.

/** `{ LANG }` to add to `env` for a system locale such as `en-US`, or undefined. */
export function localeEnv(
  env: Readonly<Record<string, string | undefined>>,
  systemLocale: string,
): { LANG: string } | undefined {
  if (env.LC_ALL || env.LC_CTYPE || env.LANG) return undefined;
  // BCP 47 (`en-US`, `pt-BR`, `zh-Hans-CN`, `de`) → POSIX `language_REGION.UTF-8`.
  const parts = systemLocale.split(/[-_]/);
  const language = parts[0]?.toLowerCase() ?? '';
  if (!/^[a-z]{2,3}$/.test(language)) return { LANG: 'en_US.UTF-8' };
  const region = parts
    .slice(1)
    .find((p) => /^[A-Za-z]{2}$/.test(p))
    ?.toUpperCase();
  return { LANG: `${language}_${region ?? language.toUpperCase()}.UTF-8` };
}
