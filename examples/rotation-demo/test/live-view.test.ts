import { describe, expect, it } from 'vitest'
import type { DemoSample } from '../src/demo-result.js'
import { createLiveView, renderProgress } from '../src/live-view.js'
import type { DemoProgress } from '../src/run-demo.js'

const sample = (over: Partial<DemoSample> = {}): DemoSample => ({
  atMs: 500,
  intervalMs: 500,
  phase: 'dual',
  queries: 400,
  failed: 0,
  kmsCalls: 1,
  p50Ms: 1.25,
  p99Ms: 9.5,
  account: 'app_clone',
  ...over,
})

const progress = (elapsedMs: number, over: Partial<DemoProgress> = {}): DemoProgress => ({
  db: 'postgres',
  driver: '@org/secret-pg',
  where: 'embedded PostgreSQL on 127.0.0.1:5555',
  elapsedMs,
  durationMs: 30_000,
  phase: 'dual',
  sample: sample(),
  rotations: [
    { atMs: 100, kind: 'dual', account: 'app_clone' },
    { atMs: 200, kind: 'dual', account: 'app' },
    { atMs: 300, kind: 'single', account: 'solo' },
  ],
  queries: 1234,
  failed: 0,
  kmsCalls: 7,
  ...over,
})

function stream(isTTY: boolean) {
  const chunks: string[] = []
  return {
    chunks,
    isTTY,
    columns: 120,
    rows: 40,
    write(chunk: string) {
      chunks.push(chunk)
      return true
    },
    on() {},
    off() {},
    once() {},
  }
}

describe('renderProgress', () => {
  it('shows every figure of the run: rate, failures, rotations, account, KMS calls, latency', () => {
    const text = renderProgress(progress(1_500)).join('\n')
    expect(text).toContain('@org/secret-pg on embedded PostgreSQL on 127.0.0.1:5555')
    expect(text).toContain('1.5 s of 30.0 s — dual-account rotation')
    expect(text).toMatch(/queries\/s\s+800\b/)
    expect(text).toMatch(/failed queries\s+0 {2}✓/)
    expect(text).toMatch(/rotations\s+2 dual-account, 1 single-account/)
    expect(text).toMatch(/account in use\s+app_clone/)
    expect(text).toMatch(/KMS calls\s+7 GetSecretValue/)
    expect(text).toMatch(/p50 1\.3 ms, p99 9\.5 ms/)
  })

  it('marks failures and an interval without queries', () => {
    const text = renderProgress(
      progress(1_000, {
        failed: 2,
        sample: sample({ queries: 0, p50Ms: undefined, p99Ms: undefined, account: undefined }),
      }),
    ).join('\n')
    expect(text).toMatch(/failed queries\s+2 {2}✗/)
    expect(text).toMatch(/p50 – , p99 –|p50 –, p99 –/)
    expect(text).toMatch(/account in use\s+–/)
  })
})

describe('createLiveView', () => {
  it('not a TTY: one plain line every plainEveryMs, no escape sequences', () => {
    const out = stream(false)
    const view = createLiveView(out, 2_000)
    for (const at of [500, 1_000, 2_000, 2_500, 4_500]) view.update(progress(at))
    view.done()
    expect(out.chunks).toHaveLength(3)
    expect(out.chunks[0]).toMatch(
      /^0\.5s dual: 1234 queries, 0 failed, 3 rotations, account app_clone/,
    )
    expect(out.chunks.join('')).not.toContain(`${String.fromCharCode(27)}[`)
  })

  it('a TTY: the block is redrawn in place', () => {
    const out = stream(true)
    const view = createLiveView(out)
    view.update(progress(500))
    view.update(progress(1_000, { queries: 2000 }))
    view.done()
    const written = out.chunks.join('')
    expect(written).toContain('queries         1234')
    expect(written).toContain('queries         2000')
    // The second frame erases the first (cursor up / erase line) instead of scrolling.
    const ESC = String.fromCharCode(27)
    expect(written.includes(`${ESC}[2K`) || new RegExp(`${ESC}\\[\\d*A`).test(written)).toBe(true)
  })
})
