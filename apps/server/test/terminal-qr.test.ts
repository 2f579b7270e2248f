import { encode } from 'uqr';
import { describe, expect, it } from 'vitest';
import { lanUrlOf, terminalQr } from '../src/terminal-qr';

describe('the terminal QR code', () => {
  it('shows the first address another device can open', () => {
    expect(lanUrlOf(['http://localhost:8080/', 'http://192.168.1.10:8080/', 'http://10.0.0.5:8080/'])).toBe(
      'http://192.168.1.10:8080/',
    );
    expect(lanUrlOf(['http://localhost:8080/'])).toBeUndefined();
    expect(lanUrlOf(['http://127.0.0.1:8080/'])).toBeUndefined();
    // All of 127/8 is this machine's; a scoped IPv6 address opens in no browser (it threw here).
    expect(lanUrlOf(['http://127.0.0.2:8080/'])).toBeUndefined();
    expect(lanUrlOf(['http://[fe80::fc:ff:fe00:1%eth0]:8080/'])).toBeUndefined();
  });

  it('draws every module of the code, two rows a line, with a quiet zone', () => {
    const url = 'http://192.168.1.10:8080/';
    const lines = terminalQr(url).split('\n');
    const { size } = encode(url, { border: 2 });
    expect(lines).toHaveLength(Math.ceil(size / 2));
    for (const line of lines) expect([...line]).toHaveLength(size);
    // The quiet zone is light: full blocks along the top line.
    expect(lines[0]).toBe('█'.repeat(size));
    expect(terminalQr(url)).toMatch(/^[█▀▄ \n]+$/);
  });
});
