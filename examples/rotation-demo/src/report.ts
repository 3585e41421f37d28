import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import * as vega from 'vega'
import type { TopLevelSpec } from 'vega-lite'
import * as vl from 'vega-lite'
import type { DemoResult, RotationKind } from './demo-result.js'

// Fixed names, so a CI job can pick them up as artifacts.
const REPORT_HTML_FILE = 'rotation-demo-report.html'
const REPORT_SVG_FILE = 'rotation-demo-chart.svg'

const KIND_LABEL: Record<RotationKind, string> = {
  dual: 'dual-account rotation',
  single: 'single-account rotation',
}
const PHASE_LABEL: Record<RotationKind, string> = {
  dual: 'dual-account phase',
  single: 'single-account phase',
}
// Each phase's shading is a pale tint of its rotations' colour, so the legend explains both.
const KIND_COLOR: Record<RotationKind, string> = { dual: '#f58518', single: '#7b4fa0' }
const PHASE_FILL: Record<RotationKind, string> = { dual: '#fdf0e2', single: '#efe8f5' }
const FAILED_SERIES = 'failed queries'
const KMS_SERIES = 'GetSecretValue calls'

const PLOT_WIDTH = 760

/**
 * Renders the run as a two-panel timeline: throughput with every rotation and the phases on top,
 * failed queries and GetSecretValue calls per interval below, on the same time axis, so a dip or a
 * failure can be matched to the rotation that caused it at a glance.
 *
 * The SVG is rendered headless (no canvas package: text widths are estimated) and depends only on
 * `result`, so the same run always gives the same bytes.
 */
export async function renderChartSvg(result: DemoResult): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(chartSpec(result)).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

function chartSpec(result: DemoResult): TopLevelSpec {
  const samples = result.samples.map((s) => ({
    t: s.atMs / 1000,
    // A zero-length interval would divide by zero; it carries no throughput anyway.
    qps: s.intervalMs > 0 ? (s.queries / s.intervalMs) * 1000 : 0,
    failed: s.failed,
    kms: s.kmsCalls,
  }))
  const rotations = result.rotations.map((r) => ({
    t: r.atMs / 1000,
    kind: KIND_LABEL[r.kind],
    account: r.account,
  }))
  const phases = phaseRuns(result)
  const boundaries = phases.slice(1).map((p) => ({ t: p.start }))

  const endS =
    Math.max(
      result.durationMs,
      ...result.samples.map((s) => s.atMs),
      ...result.rotations.map((r) => r.atMs),
    ) / 1000
  // An explicit domain keeps both panels aligned and gives a zero-length run a usable axis.
  const x = {
    field: 't',
    type: 'quantitative' as const,
    title: 'seconds since start',
    scale: { domain: [0, endS > 0 ? endS : 1], nice: false },
  }
  // A flat zero line must sit visibly on the axis, not collapse a [0, 0] domain.
  const countMax = Math.max(1, ...samples.map((s) => Math.max(s.failed, s.kms)))
  // Headroom above the line for the phase labels.
  const qpsMax = Math.max(1, ...samples.map((s) => s.qps)) * 1.15

  const r = result.rotations
  const dual = r.filter((x) => x.kind === 'dual').length
  const single = r.length - dual
  const t = result.totals

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: `Rotation demo timeline, ${result.db} via ${result.driver}`,
    title: {
      text: `Secret rotation under load: ${result.db} via ${result.driver}`,
      subtitle: [
        `${t.queries} queries, ${t.failed} failed · ${r.length} rotations (${dual} dual-account, ` +
          `${single} single-account) · ${t.kmsCalls} GetSecretValue calls`,
        `started ${result.startedAt} · ${formatSeconds(result.durationMs)} · ` +
          `${result.workers} workers${result.interrupted ? ' · stopped early' : ''}`,
      ],
      anchor: 'start',
    },
    datasets: { samples, rotations, phases, boundaries },
    // No label limit: without canvas, text widths are overestimated and labels get cut short.
    config: { legend: { orient: 'top', labelLimit: 0 }, view: { stroke: '#ccc' } },
    resolve: { scale: { x: 'shared', color: 'independent' } },
    vconcat: [
      {
        width: PLOT_WIDTH,
        height: 240,
        layer: [
          {
            data: { name: 'phases' },
            mark: { type: 'rect' },
            encoding: {
              x: { ...x, field: 'start' },
              x2: { field: 'end' },
              fill: {
                field: 'phase',
                scale: {
                  domain: [PHASE_LABEL.dual, PHASE_LABEL.single],
                  range: [PHASE_FILL.dual, PHASE_FILL.single],
                },
                legend: null,
              },
            },
          },
          {
            data: { name: 'phases' },
            mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, color: '#555' },
            encoding: {
              x: { ...x, field: 'start' },
              y: { value: 0 },
              text: { field: 'phase' },
            },
          },
          {
            name: 'phase_boundary',
            data: { name: 'boundaries' },
            mark: { type: 'rule', strokeDash: [4, 3], color: '#555' },
            encoding: { x },
          },
          {
            data: { name: 'samples' },
            mark: { type: 'line', point: true, color: '#4c78a8' },
            encoding: {
              x,
              y: {
                field: 'qps',
                type: 'quantitative',
                title: 'queries / s',
                scale: { domain: [0, qpsMax], nice: true },
              },
            },
          },
          {
            name: 'rotations',
            data: { name: 'rotations' },
            mark: { type: 'rule', strokeWidth: 2 },
            encoding: {
              x,
              color: {
                field: 'kind',
                title: 'rotation',
                scale: {
                  // Fixed so both kinds keep their colour and legend entry even when one is absent.
                  domain: [KIND_LABEL.dual, KIND_LABEL.single],
                  range: [KIND_COLOR.dual, KIND_COLOR.single],
                },
              },
            },
          },
        ],
      },
      {
        width: PLOT_WIDTH,
        height: 120,
        data: { name: 'samples' },
        transform: [
          { calculate: 'datum.failed', as: FAILED_SERIES },
          { calculate: 'datum.kms', as: KMS_SERIES },
          // Failures last, so their zero line is drawn over the KMS line rather than hidden by it.
          { fold: [KMS_SERIES, FAILED_SERIES], as: ['series', 'count'] },
        ],
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: {
            field: 'count',
            type: 'quantitative',
            title: 'per interval',
            scale: { domain: [0, countMax], nice: true },
            // Counts are whole numbers: no ticks between them on a small scale.
            axis: { tickCount: Math.min(countMax, 5), format: 'd' },
          },
          color: {
            field: 'series',
            title: null,
            scale: { domain: [FAILED_SERIES, KMS_SERIES], range: ['#e45756', '#72b7b2'] },
          },
        },
      },
    ],
  }
}

/** Contiguous runs of samples in the same phase, as `[start, end]` in seconds. */
function phaseRuns(result: DemoResult): { phase: string; start: number; end: number }[] {
  const runs: { kind: RotationKind; start: number; end: number }[] = []
  for (const s of result.samples) {
    const start = Math.max(0, s.atMs - s.intervalMs) / 1000
    const end = s.atMs / 1000
    const last = runs.at(-1)
    if (last && last.kind === s.phase) last.end = end
    else runs.push({ kind: s.phase, start: last ? last.end : start, end })
  }
  return runs.map((r) => ({ phase: PHASE_LABEL[r.kind], start: r.start, end: r.end }))
}

/**
 * One self-contained HTML page (inline SVG and CSS, no script and no external resource), so it can
 * be attached to a CI run or mailed and still open offline. `svg` is embedded as markup, unescaped:
 * pass the output of {@link renderChartSvg}. Every string taken from `result` is escaped, since
 * account and driver names come from the run.
 */
export function renderHtml(result: DemoResult, svg: string): string {
  const t = result.totals
  const dual = result.rotations.filter((r) => r.kind === 'dual').length
  const single = result.rotations.length - dual
  const failedClass = t.failed === 0 ? 'ok' : 'fail'
  const title = `Rotation demo: ${result.db} via ${result.driver}`

  const summary: [string, string, string?][] = [
    ['Database', esc(result.db)],
    ['Driver', esc(result.driver)],
    ['Started at', esc(result.startedAt)],
    [
      'Duration',
      esc(formatSeconds(result.durationMs)) + (result.interrupted ? ' (stopped early)' : ''),
    ],
    ['Workers', String(result.workers)],
    ['Rotation interval', esc(formatSeconds(result.rotationIntervalMs))],
    ['Queries', String(t.queries)],
    ['Failed queries', String(t.failed), failedClass],
    ['Dual-account rotations', String(dual)],
    ['Single-account rotations', String(single)],
    ['Accounts seen (in order)', t.accounts.map((a) => `<code>${esc(a)}</code>`).join(' → ')],
    ['GetSecretValue (KMS) calls', String(t.kmsCalls)],
    ['Latency p50', esc(formatMs(t.p50Ms))],
    ['Latency p99', esc(formatMs(t.p99Ms))],
  ]
  const summaryRows = summary
    .map(
      ([name, value, cls]) =>
        `<tr${cls ? ` class="${cls}"` : ''}><th scope="row">${name}</th><td>${value}</td></tr>`,
    )
    .join('\n')

  const rotationRows = result.rotations
    .map(
      (r, i) =>
        `<tr class="${r.kind}"><td>${i + 1}</td><td>${esc((r.atMs / 1000).toFixed(1))} s</td>` +
        `<td>${esc(KIND_LABEL[r.kind])}</td><td><code>${esc(r.account)}</code></td></tr>`,
    )
    .join('\n')
  const rotations =
    result.rotations.length === 0
      ? '<p>No rotation happened during the run.</p>'
      : `<table class="rotations">
<thead><tr><th>#</th><th>Time</th><th>Kind</th><th>Account after rotation</th></tr></thead>
<tbody>
${rotationRows}
</tbody>
</table>`

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.4rem; }
h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.7rem; text-align: left; }
th[scope="row"] { background: #f6f6f6; font-weight: 600; }
tr.ok td { background: #dff3df; color: #1a6b1a; font-weight: 700; }
tr.fail td { background: #fbe0e0; color: #a11; font-weight: 700; }
tr.dual td:nth-child(3) { color: ${KIND_COLOR.dual}; }
tr.single td:nth-child(3) { color: ${KIND_COLOR.single}; }
.chart svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<div class="chart">
${svg}
</div>
<h2>Summary</h2>
<table class="summary">
<tbody>
${summaryRows}
</tbody>
</table>
<h2>Rotations</h2>
${rotations}
</body>
</html>
`
}

/**
 * Writes the HTML page and the chart on its own (for embedding elsewhere) into `dir`, creating it
 * if needed, and returns absolute paths so the caller can print them as clickable links.
 */
export async function writeReport(
  result: DemoResult,
  dir: string,
): Promise<{ html: string; svg: string }> {
  const out = resolve(dir)
  await mkdir(out, { recursive: true })
  const svg = await renderChartSvg(result)
  const paths = { html: join(out, REPORT_HTML_FILE), svg: join(out, REPORT_SVG_FILE) }
  await writeFile(paths.svg, svg)
  await writeFile(paths.html, renderHtml(result, svg))
  return paths
}

function esc(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`
}

function formatMs(ms: number | undefined): string {
  return ms === undefined ? '—' : `${ms.toFixed(1)} ms`
}
