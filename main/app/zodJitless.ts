// Imported first by the preload: zod decides whether it may compile validators with
// `new Function` when the first schema is built, and the page's CSP allows no eval (the
// renderer does the same in renderer/src/zodConfig.ts). Interpreted validation is fast
// enough for a few calls per keystroke.
import { z } from 'zod';

z.config({ jitless: true });
