/**
 * A dependency-free SVG chart for `npm run bench`: one group of horizontal bars per scenario, one
 * bar per server, requests per second on a log scale (values span bcrypt's < 1 to tens of thousands).
 */

export interface ChartGroup {
  title: string;
  bars: { label: string; value: number; gatehouse: boolean }[];
}

const COLOURS: [RegExp, string][] = [
  [/ceiling/i, '#9e9e9e'],
  [/without auth/i, '#90caf9'],
  [/^Gatehouse/, '#1565c0'],
  [/fastify\/jwt/i, '#ef6c00'],
  [/Express/, '#2e7d32'],
  [/Better Auth/, '#6a1b9a'],
  [/bcrypt/i, '#c62828'],
  [/oidc-provider/, '#6d4c41'],
];

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function chartSvg(groups: readonly ChartGroup[], subtitle: string): string {
  const width = 1100;
  const labelWidth = 420;
  const valueWidth = 90;
  const plot = width - labelWidth - valueWidth - 20;
  const row = 20;
  const minLog = -1; // 0.1 req/s
  const max = Math.max(10, ...groups.flatMap((g) => g.bars.map((b) => b.value)));
  const maxLog = Math.ceil(Math.log10(max));
  const x = (v: number) => labelWidth + (plot * (Math.log10(Math.max(v, 0.1)) - minLog)) / (maxLog - minLog);
  const out: string[] = [];
  let y = 72;
  for (const g of groups) {
    if (g.bars.length === 0) continue;
    out.push(`<text x="10" y="${y + 14}" font-weight="bold" font-size="14">${xml(g.title)}</text>`);
    y += 24;
    for (const b of g.bars) {
      const colour = COLOURS.find(([re]) => re.test(b.label))?.[1] ?? '#455a64';
      const end = x(b.value);
      out.push(
        `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end" font-size="12"${b.gatehouse ? ' font-weight="bold"' : ''}>${xml(b.label)}</text>`,
        `<rect x="${labelWidth}" y="${y + 3}" width="${Math.max(1, end - labelWidth).toFixed(1)}" height="${row - 6}" fill="${colour}"/>`,
        `<text x="${(end + 6).toFixed(1)}" y="${y + 14}" font-size="12">${xml(b.value >= 100 ? Math.round(b.value).toLocaleString('en-US') : b.value.toFixed(2))}</text>`,
      );
      y += row;
    }
    y += 12;
  }
  const grid: string[] = [];
  for (let e = minLog; e <= maxLog; e++) {
    const gx = x(10 ** e).toFixed(1);
    const label = e < 0 ? '0.1' : (10 ** e).toLocaleString('en-US');
    grid.push(
      `<line x1="${gx}" y1="58" x2="${gx}" y2="${y}" stroke="#e0e0e0"/>`,
      `<text x="${gx}" y="54" text-anchor="middle" font-size="11" fill="#616161">${label}</text>`,
    );
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    '<title>Gatehouse against its peers: requests per second by scenario</title>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="18" font-size="16" font-weight="bold">Gatehouse against its peers: requests per second (log scale, higher is better)</text>`,
    `<text x="10" y="34" font-size="11" fill="#616161">${xml(subtitle)}</text>`,
    ...grid,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
