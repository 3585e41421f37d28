import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { DemoResult, DemoRotation, DemoSample } from '../src/demo-result.js'
import { renderChartSvg, renderHtml, writeReport } from '../src/report.js'

/** 5 s of a dual-account phase then 5 s single-account, a rotation every ~1.5 s. */
function demoResult(overrides: Partial<DemoResult> = {}): DemoResult {
  const samples: DemoSample[] = Array.from({ length: 20 }, (_, i) => ({
    atMs: (i + 1) * 500,
    intervalMs: 500,
    phase: i < 10 ? 'dual' : 'single',
    queries: 400 + ((i * 37) % 50),
    failed: 0,
    kmsCalls: i % 3 === 0 ? 2 : 0,
    p50Ms: 1.2 + i / 100,
    p99Ms: 4.5 + i / 10,
    account: i < 5 ? 'app' : 'app_clone',
  }))
  const rotations: DemoRotation[] = [
    { atMs: 1_600, kind: 'dual', account: 'app_clone' },
    { atMs: 3_100, kind: 'dual', account: 'app' },
    { atMs: 4_600, kind: 'dual', account: 'app_clone' },
    { atMs: 6_600, kind: 'single', account: 'app' },
    { atMs: 8_100, kind: 'single', account: 'app' },
    { atMs: 9_600, kind: 'single', account: 'app' },
  ]
  return {
    db: 'postgres',
    driver: '@org/secret-pg',
    startedAt: '2025-01-02T03:04:05.000Z',
    durationMs: 10_000,
    workers: 8,
    rotationIntervalMs: 1_500,
    interrupted: false,
    samples,
    rotations,
    totals: {
      queries: samples.reduce((n, s) => n + s.queries, 0),
      failed: 0,
      kmsCalls: samples.reduce((n, s) => n + s.kmsCalls, 0),
      accounts: ['app', 'app_clone'],
      p50Ms: 1.3,
      p99Ms: 5.9,
    },
    ...overrides,
  }
}

/** The `<line>` elements of the mark group whose class list contains `markClass`. */
function linesOfMarkGroup(svg: string, markClass: string): number {
  const group = svg.match(new RegExp(`<g class="[^"]*\\b${markClass}\\b[^"]*"[^>]*>(.*?)</g>`))
  if (!group) throw new Error(`no mark group ${markClass} in the SVG`)
  return group[1]!.match(/<line\b/g)?.length ?? 0
}

/** The summary table row whose header is `name`, as HTML. */
function summaryRow(html: string, name: string): string {
  const row = html.match(new RegExp(`<tr[^>]*><th scope="row">${name}</th>.*?</tr>`))
  if (!row) throw new Error(`no summary row ${name}`)
  return row[0]
}

describe('renderChartSvg', () => {
  it('draws one rule per rotation, both kinds in the legend, and the phases', async () => {
    const result = demoResult()
    const svg = await renderChartSvg(result)

    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    const width = Number(svg.match(/^<svg[^>]* width="(\d+)"/)?.[1])
    expect(width).toBeGreaterThan(700)
    expect(width).toBeLessThan(1100)

    expect(linesOfMarkGroup(svg, 'mark-rule role-mark rotations_marks')).toBe(
      result.rotations.length,
    )
    // One dual→single switch: a single boundary rule.
    expect(linesOfMarkGroup(svg, 'mark-rule role-mark phase_boundary_marks')).toBe(1)
    expect(svg).toContain('class="mark-line role-mark')
    expect(svg).toContain('class="mark-rect role-mark')
    // The lower panel plots every interval of both series, failures included even when all 0.
    const points = (series: string) =>
      svg.match(
        new RegExp(`aria-label="[^"]*series: ${series}" [^>]*aria-roledescription="point"`, 'g'),
      )?.length ?? 0
    expect(points('failed queries')).toBe(result.samples.length)
    expect(points('GetSecretValue calls')).toBe(result.samples.length)

    for (const label of [
      'dual-account rotation',
      'single-account rotation',
      'dual-account phase',
      'single-account phase',
      'failed queries',
      'GetSecretValue calls',
      'queries / s',
      'seconds since start',
    ]) {
      expect(svg).toContain(`>${label}</text>`)
    }
    expect(svg).toContain('postgres via @org/secret-pg')
    expect(svg).toContain(`${result.totals.queries} queries, 0 failed`)
  })

  it('gives the same bytes for the same result', async () => {
    const a = await renderChartSvg(demoResult())
    const b = await renderChartSvg(demoResult())
    expect(a).toBe(b)
  })

  it('renders a run with no rotation, a single sample and no latency', async () => {
    const base = demoResult()
    const sample = { ...base.samples[0]!, p50Ms: undefined, p99Ms: undefined }
    const result = demoResult({
      durationMs: 500,
      samples: [sample],
      rotations: [],
      totals: { ...base.totals, queries: sample.queries, p50Ms: undefined, p99Ms: undefined },
    })
    const svg = await renderChartSvg(result)
    expect(svg.startsWith('<svg')).toBe(true)
    expect(linesOfMarkGroup(svg, 'mark-rule role-mark rotations_marks')).toBe(0)
    // The legend still explains what a rotation would look like.
    expect(svg).toContain('>dual-account rotation</text>')
    expect(svg).toContain('>single-account rotation</text>')

    const html = renderHtml(result, svg)
    expect(html).toContain('No rotation happened')
    expect(summaryRow(html, 'Latency p50')).toContain('<td>—</td>')
  })
})

describe('renderHtml', () => {
  it('is one self-contained page with the chart, the totals and the rotations', async () => {
    const result = demoResult()
    const svg = await renderChartSvg(result)
    const html = renderHtml(result, svg)

    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain(svg)
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i)
    expect(html).not.toMatch(/<link\b/i)
    expect(html).toMatch(/<style>.*<\/style>/s)

    expect(summaryRow(html, 'Failed queries')).toBe(
      '<tr class="ok"><th scope="row">Failed queries</th><td>0</td></tr>',
    )
    expect(html).toMatch(/tr\.ok td \{[^}]*background: #dff3df/)
    expect(summaryRow(html, 'Queries')).toContain(`<td>${result.totals.queries}</td>`)
    expect(summaryRow(html, 'Dual-account rotations')).toContain('<td>3</td>')
    expect(summaryRow(html, 'Single-account rotations')).toContain('<td>3</td>')
    expect(summaryRow(html, 'GetSecretValue \\(KMS\\) calls')).toContain(
      `<td>${result.totals.kmsCalls}</td>`,
    )
    expect(summaryRow(html, 'Accounts seen \\(in order\\)')).toContain(
      '<code>app</code> → <code>app_clone</code>',
    )
    expect(summaryRow(html, 'Workers')).toContain('<td>8</td>')
    expect(summaryRow(html, 'Rotation interval')).toContain('<td>1.5 s</td>')
    expect(summaryRow(html, 'Duration')).toContain('<td>10 s</td>')
    expect(summaryRow(html, 'Latency p99')).toContain('<td>5.9 ms</td>')

    const rotationRows = html.match(/<tr class="(dual|single)">.*?<\/tr>/g) ?? []
    expect(rotationRows).toHaveLength(6)
    expect(rotationRows[0]).toBe(
      '<tr class="dual"><td>1</td><td>1.6 s</td><td>dual-account rotation</td>' +
        '<td><code>app_clone</code></td></tr>',
    )
    expect(rotationRows[5]).toContain('<td>9.6 s</td><td>single-account rotation</td>')
  })

  it('marks a run with a failed query as failing', () => {
    const base = demoResult()
    const html = renderHtml(demoResult({ totals: { ...base.totals, failed: 1 } }), '<svg></svg>')
    expect(summaryRow(html, 'Failed queries')).toBe(
      '<tr class="fail"><th scope="row">Failed queries</th><td>1</td></tr>',
    )
    expect(html).not.toContain('<tr class="ok">')
  })

  it('escapes the strings that come from the run', () => {
    const base = demoResult()
    const evil = '<b>&"x'
    const html = renderHtml(
      demoResult({
        driver: `<i>drv</i>`,
        rotations: [{ atMs: 1_000, kind: 'dual', account: evil }],
        totals: { ...base.totals, accounts: ['app', evil] },
      }),
      '<svg></svg>',
    )
    expect(html).not.toContain(evil)
    expect(html).not.toContain('<b>')
    expect(html).not.toContain('<i>')
    expect(html).toContain('<code>&lt;b&gt;&amp;&quot;x</code>')
    expect(html).toContain('&lt;i&gt;drv&lt;/i&gt;')
  })
})

describe('writeReport', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('writes the page and the chart into a new directory and returns their absolute paths', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotation-demo-report-'))
    const result = demoResult()
    const target = join(dir, 'nested', 'report')

    const paths = await writeReport(result, target)

    expect(paths.html).toBe(join(target, 'rotation-demo-report.html'))
    expect(paths.svg).toBe(join(target, 'rotation-demo-chart.svg'))
    expect(isAbsolute(paths.html) && isAbsolute(paths.svg)).toBe(true)
    expect((await stat(paths.html)).isFile()).toBe(true)
    const svg = await readFile(paths.svg, 'utf8')
    expect(svg).toBe(await renderChartSvg(result))
    expect(await readFile(paths.html, 'utf8')).toBe(renderHtml(result, svg))
  })
})
