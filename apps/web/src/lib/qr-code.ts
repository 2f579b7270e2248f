import { encode } from 'uqr';

/** A QR code as an SVG path: one `M x y h1 v1 h-1 z` square per dark module, on a `size` × `size` grid. */
export interface QrDrawing {
  /** Modules per side, the quiet zone included. */
  readonly size: number;
  /** The `d` of one path drawing every dark module; numbers and path commands only. */
  readonly path: string;
}

/** Modules of light border around the code: the quiet zone scanners need to find it. */
export const QR_QUIET_MODULES = 2;

/**
 * Encodes `text` (a share link) with `uqr` and draws its dark modules as one path. The page renders the
 * path as an attribute of an `<svg>` in its own markup, never as HTML: nothing of `text` reaches the DOM
 * but as module positions. Error correction M (15 %) survives a projector's glare and a phone's angle, and a
 * share link (about 120 characters) still fits version 8 (49 × 49 modules).
 */
export function drawQrCode(text: string): QrDrawing {
  const { data, size } = encode(text, { ecc: 'M', border: QR_QUIET_MODULES });
  const squares: string[] = [];
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) squares.push(`M${x} ${y}h1v1h-1z`);
    }),
  );
  return { size, path: squares.join('') };
}
