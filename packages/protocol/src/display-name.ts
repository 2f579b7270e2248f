import { z } from 'zod';
import { BIDI_CONTROLS, hasVisibleCharacter } from './shown-text';

/**
 * The characters of a peer id every screen shows beside its name (its short id): what tells namesakes apart, so the
 * server takes no self-chosen id whose short id is another member's.
 */
export const SHORT_PEER_ID_CHARS = 6;

/** Longest display name, in characters (code points) after trimming: fits a peer's card on a projector. */
export const MAX_DISPLAY_NAME_CHARS = 32;

/**
 * Characters a name may not hold: control characters (`\p{Cc}`), line and paragraph separators, and the
 * bidirectional controls that would turn the rest of a screen's text around. Zero-width joiners stay
 * allowed: emoji sequences need them.
 */
const FORBIDDEN_IN_NAME = new RegExp(`[\\p{Cc}\\p{Zl}\\p{Zp}]|${BIDI_CONTROLS.source}`, 'u');

/**
 * A peer's display name, chosen by its user and shown on every screen (always as text, never as HTML):
 * trimmed, 1 to `MAX_DISPLAY_NAME_CHARS` characters, at least one of them visible (a name of zero-width
 * spaces or Hangul fillers left a blank card on the projector), no control characters.
 */
export const displayNameSchema = z
  .string()
  .trim()
  .refine((name) => hasVisibleCharacter(name), 'a name needs at least one visible character')
  .refine((name) => [...name].length <= MAX_DISPLAY_NAME_CHARS, `at most ${MAX_DISPLAY_NAME_CHARS} characters`)
  .refine((name) => !FORBIDDEN_IN_NAME.test(name), 'no control characters');
export type DisplayName = z.infer<typeof displayNameSchema>;

/** A name as a person types it, trimmed, or a sentence saying why it cannot be one. */
export type ParsedDisplayName =
  { readonly ok: true; readonly name: DisplayName } | { readonly ok: false; readonly message: string };

export function parseDisplayName(typed: string): ParsedDisplayName {
  const parsed = displayNameSchema.safeParse(typed);
  if (parsed.success) return { ok: true, name: parsed.data };
  const trimmed = typed.trim();
  if (trimmed === '') return { ok: false, message: 'Type a name, or leave the field empty to stay unnamed.' };
  if (!hasVisibleCharacter(trimmed)) return { ok: false, message: 'A name needs at least one visible character.' };
  if (FORBIDDEN_IN_NAME.test(trimmed)) return { ok: false, message: 'A name cannot hold control characters.' };
  return { ok: false, message: `A name has at most ${MAX_DISPLAY_NAME_CHARS} characters.` };
}
