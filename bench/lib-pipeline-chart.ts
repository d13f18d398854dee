/** A plain SVG bar chart of the pipeline benchmark: inference images per camera-second by mode. */
interface Scenario {
  cameras: number;
  modes: Record<string, { imagesPerCameraSecond: number; p95LatencyMs: number; minCameraFps: number }>;
}

const COLORS: Record<string, string> = { naive: '#c0504d', gated: '#f2a93b', 'gated+batched': '#4f81bd' };

interface Headline {
  inferenceReduction: number;
  personTrackRecall: number;
  lowerBoundRatio: number;
  maxCamerasSustained: number;
  rssGrowthRatio: number;
}

export function chartSvg(scenarios: Scenario[], detector: string, head?: Headline): string {
  const W = 720;
  const H = 360;
  const pad = 60;
  const modes = Object.keys(COLORS);
  const max = Math.max(1, ...scenarios.flatMap((s) => modes.map((m) => s.modes[m]?.imagesPerCameraSecond ?? 0)));
  const groupW = (W - 2 * pad) / scenarios.length;
  const barW = groupW / (modes.length + 1);
  const top = 80; // below the title, legend and headline
  const y = (v: number): number => H - pad - (v / max) * (H - pad - top);
  const parts: string[] = [];
  scenarios.forEach((s, i) => {
    modes.forEach((m, j) => {
      const r = s.modes[m];
      if (!r) return;
      const x = pad + i * groupW + (j + 0.5) * barW;
      parts.push(
        `<rect x="${x}" y="${y(r.imagesPerCameraSecond)}" width="${barW * 0.9}" height="${H - pad - y(r.imagesPerCameraSecond)}" fill="${COLORS[m]}"/>`,
      );
      parts.push(`<text x="${x + barW * 0.45}" y="${y(r.imagesPerCameraSecond) - 4}" font-size="10" text-anchor="middle">${r.imagesPerCameraSecond}</text>`);
      parts.push(`<text x="${x + barW * 0.45}" y="${H - pad + 26}" font-size="9" text-anchor="middle">p95 ${Math.round(r.p95LatencyMs)}ms</text>`);
    });
    parts.push(
      `<text x="${pad + (i + 0.5) * groupW}" y="${H - pad + 14}" font-size="12" text-anchor="middle">${s.cameras} camera${s.cameras > 1 ? 's' : ''}</text>`,
    );
  });
  const legend = modes
    .map(
      (m, j) =>
        `<rect x="${pad + j * 140}" y="30" width="12" height="12" fill="${COLORS[m]}"/><text x="${pad + j * 140 + 16}" y="40" font-size="12">${m}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<text x="${pad}" y="18" font-size="14">Inference images per camera-second (lower is better) — ${detector.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>
${legend}
${head ? `<text x="${pad}" y="58" font-size="11">inference reduction ${head.inferenceReduction}x · person-track recall ${head.personTrackRecall} · lower-bound ratio ${head.lowerBoundRatio} · cameras sustained ${head.maxCamerasSustained} · RSS growth ${head.rssGrowthRatio}</text>` : ''}
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/>
${parts.join('\n')}
</svg>
`;
}
