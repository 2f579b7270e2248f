import { simulate, SCENARIO_DEFAULTS } from './src/index';
const variants: Record<string, object> = JSON.parse(process.argv[2] ?? '{"base":{}}');
const ns: number[] = JSON.parse(process.argv[3] ?? '[20]');
const m = Number(process.env.M ?? 256);
for (const [name, cfg] of Object.entries(variants))
  for (const n of ns) {
    const r = simulate({
      ...SCENARIO_DEFAULTS,
      peerCount: n,
      fileBytes: m * 256 * 1024,
      serverUploadBytesPerSec: 1e6,
      peerUploadBytesPerSec: [1e6],
      peerDownloadBytesPerSec: [Infinity],
      engineConfig: cfg,
    });
    console.log(
      name,
      n,
      JSON.stringify({
        ratio: r.ratio?.toFixed(3),
        ok: r.allFilesIntact,
        s: (r.seederUploadedBytes / (m * 262144)).toFixed(3),
        first: (Math.min(...r.completionSec.map(Number)) / r.boundSec).toFixed(3),
        ev: r.events,
        wall: Math.round(r.wallMs),
      }),
    );
  }
