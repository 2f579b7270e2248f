import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const APP_CSS = readFileSync(join(import.meta.dirname, '../src/app.css'), 'utf8');

/** A custom property's `#rrggbb` value in app.css. */
function colourOf(name: string): string {
  const match = new RegExp(`${name}:\\s*(#[0-9a-fA-F]{6});`).exec(APP_CSS);
  if (!match) throw new Error(`${name} is no #rrggbb colour in app.css`);
  return match[1]!;
}

/** WCAG 2's relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const channel = parseInt(hex.slice(at, at + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

describe('the chunk bitmaps’ colours', () => {
  it('tell a held chunk from a missing one at WCAG’s 3:1 for graphics, which a projector washes out further', () => {
    // Before, 2.57:1: single chunks arriving were hard to see from the back of a room (found by review).
    expect(contrast(colourOf('--chunk-have'), colourOf('--chunk-missing'))).toBeGreaterThanOrEqual(3);
    expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 5);
  });

  it('tell a cell partly held (too small for a bar) from a full one and an empty one', () => {
    const partial = colourOf('--chunk-partial');
    expect(contrast(partial, colourOf('--chunk-have'))).toBeGreaterThanOrEqual(1.8);
    expect(contrast(partial, colourOf('--chunk-missing'))).toBeGreaterThanOrEqual(1.8);
  });
});
