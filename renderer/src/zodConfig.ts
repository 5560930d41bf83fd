// Must be the first import of main.tsx: zod decides whether it may compile validators with
// `new Function` when the first schema is built, and this page's CSP allows no eval.
import { z } from 'zod';

z.config({ jitless: true });
