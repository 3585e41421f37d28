import { createLogUpdate } from 'log-update'
import type { DemoProgress } from './run-demo.js'

/** Where the live view writes. */
export interface LiveViewStream {
  write(chunk: string): boolean
  isTTY?: boolean
}

/** Shows a demo's progress: {@link LiveView.update} per sample, {@link LiveView.done} once. */
export interface LiveView {
  update(progress: DemoProgress): void
  /** Leaves the last view on screen (a TTY) and stops updating. */
  done(): void
}

const fmtMs = (ms: number | undefined): string => (ms === undefined ? '–' : `${ms.toFixed(1)} ms`)

/** The view's lines for one sample. */
export function renderProgress(progress: DemoProgress): string[] {
  const { sample, rotations } = progress
  const perSecond = Math.round((sample.queries * 1_000) / sample.intervalMs)
  const dual = rotations.filter((r) => r.kind === 'dual').length
  const single = rotations.filter((r) => r.kind === 'single').length
  const seconds = (ms: number) => (ms / 1_000).toFixed(1)
  return [
    `${progress.driver} on ${progress.where}`,
    `  time            ${seconds(progress.elapsedMs)} s of ${seconds(progress.durationMs)} s — ${
      progress.phase === 'dual' ? 'dual-account rotation' : 'single-account rotation'
    }`,
    `  queries/s       ${perSecond}`,
    `  queries         ${progress.queries}`,
    `  failed queries  ${progress.failed}${progress.failed === 0 ? '  ✓' : '  ✗'}`,
    `  rotations       ${dual} dual-account, ${single} single-account`,
    `  account in use  ${sample.account ?? '–'}`,
    `  KMS calls       ${progress.kmsCalls} GetSecretValue`,
    `  latency         p50 ${fmtMs(sample.p50Ms)}, p99 ${fmtMs(sample.p99Ms)}`,
  ]
}

/**
 * In a TTY, one block updated in place (log-update); otherwise one plain line every
 * `plainEveryMs`, so a log or CI output stays readable.
 */
export function createLiveView(stream: LiveViewStream, plainEveryMs = 2_000): LiveView {
  if (stream.isTTY === true) {
    const update = createLogUpdate(stream as NodeJS.WriteStream, { showCursor: true })
    return {
      update: (progress) => update(renderProgress(progress).join('\n')),
      done: () => update.done(),
    }
  }
  let lastAt = Number.NEGATIVE_INFINITY
  return {
    update(progress) {
      if (progress.elapsedMs - lastAt < plainEveryMs) return
      lastAt = progress.elapsedMs
      const { sample } = progress
      const rotations = progress.rotations.length
      stream.write(
        `${(progress.elapsedMs / 1_000).toFixed(1)}s ${progress.phase}: ${progress.queries} queries, ` +
          `${progress.failed} failed, ${rotations} rotations, account ${sample.account ?? '–'}, ` +
          `${progress.kmsCalls} KMS calls, p50 ${fmtMs(sample.p50Ms)} p99 ${fmtMs(sample.p99Ms)}\n`,
      )
    },
    done() {},
  }
}
