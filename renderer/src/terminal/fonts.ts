// Which monospace fonts this machine has, for the font picker. A page cannot list the
// system's fonts by default, so two ways, both ending in the same test:
//   - queryLocalFonts() (Chromium's Local Font Access) where the user grants it: every
//     installed family, of which the monospace ones are kept;
//   - otherwise a list of well-known monospace families, each probed: a family that is
//     installed makes text measure differently from the generic fallbacks alone.
// A family is monospace when a run of narrow glyphs measures as wide as one of wide ones.
// Measuring is handed in (a canvas in the browser), so the rules run in unit tests.

/** Width of `text` drawn in the CSS font family list `family` (same size every call). */
export type Measure = (text: string, family: string) => number;

/** Monospace families people install, probed where the system's list cannot be read. */
export const PROBE_FAMILIES: readonly string[] = [
  'Andale Mono',
  'Anonymous Pro',
  'Cascadia Code',
  'Cascadia Mono',
  'Consolas',
  'Courier New',
  'DejaVu Sans Mono',
  'Droid Sans Mono',
  'Fira Code',
  'Fira Mono',
  'Hack',
  'IBM Plex Mono',
  'Inconsolata',
  'Iosevka',
  'JetBrains Mono',
  'Liberation Mono',
  'Lucida Console',
  'Menlo',
  'MesloLGS NF',
  'Monaco',
  'Noto Mono',
  'Noto Sans Mono',
  'PT Mono',
  'Red Hat Mono',
  'Roboto Mono',
  'SF Mono',
  'Source Code Pro',
  'Space Mono',
  'Ubuntu Mono',
  'Victor Mono',
];

/** Text whose width differs between most fonts (wide and narrow glyphs, digits). */
const SAMPLE = 'mmmmmmmmmmlli10OWQ@#';
const GENERICS = ['monospace', 'sans-serif', 'serif'] as const;

/** A family name as a CSS font-family entry (quoted, quotes and backslashes escaped). */
export function cssFamily(family: string): string {
  return `"${family.replace(/["\\]/g, '\\$&')}"`;
}

/** Whether `family` is installed: with it first, text measures unlike each fallback alone. */
export function isInstalled(family: string, measure: Measure): boolean {
  return GENERICS.some((g) => measure(SAMPLE, `${cssFamily(family)}, ${g}`) !== measure(SAMPLE, g));
}

/** Whether `family` draws every glyph the same width. */
export function isMonospace(family: string, measure: Measure): boolean {
  const css = `${cssFamily(family)}, monospace`;
  return measure('iiiiiiiiii', css) === measure('WWWWWWWWWW', css);
}

/** The monospace families among `families` (deduplicated, sorted); `probe`: check installed too. */
export function monospaceFamilies(
  families: Iterable<string>,
  measure: Measure,
  probe: boolean,
): string[] {
  const found = new Set<string>();
  for (const family of families) {
    if (found.has(family) || family.trim() === '') continue;
    if (probe && !isInstalled(family, measure)) continue;
    if (isMonospace(family, measure)) found.add(family);
  }
  return [...found].sort((a, b) => a.localeCompare(b));
}

/** The font setting for a chosen family: it, then the generic monospace as a fallback. */
export function fontSettingFor(family: string): string {
  return `${cssFamily(family)}, monospace`;
}

/** The family a font setting starts with, when it was made by `fontSettingFor`. */
export function familyOfSetting(setting: string): string | undefined {
  const m = /^"((?:[^"\\]|\\.)*)", monospace$/.exec(setting);
  return m?.[1]?.replace(/\\(.)/g, '$1');
}

// --- the browser's side -------------------------------------------------------------------

/** A measure on a canvas (Chromium measures local fonts synchronously). */
export function canvasMeasure(): Measure | undefined {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return undefined;
  return (text, family) => {
    ctx.font = `32px ${family}`;
    return ctx.measureText(text).width;
  };
}

type LocalFontsWindow = { queryLocalFonts?: () => Promise<{ family: string }[]> };

/** Whether this browser can list installed fonts (the user may still refuse). */
export function canListLocalFonts(): boolean {
  return typeof (window as LocalFontsWindow).queryLocalFonts === 'function';
}

/**
 * Every installed monospace family through queryLocalFonts (asks the user; call it from a
 * click), or a sentence saying why not.
 */
export async function listLocalMonospace(
  measure: Measure,
): Promise<{ ok: true; families: string[] } | { ok: false; message: string }> {
  const query = (window as LocalFontsWindow).queryLocalFonts;
  if (!query) return { ok: false, message: 'This window cannot list installed fonts.' };
  try {
    const fonts = await query.call(window);
    return {
      ok: true,
      families: monospaceFamilies(new Set(fonts.map((f) => f.family)), measure, false),
    };
  } catch (error) {
    return {
      ok: false,
      message: `Installed fonts could not be listed (${(error as Error).message || 'refused'}); the list shows the well-known ones found.`,
    };
  }
}
