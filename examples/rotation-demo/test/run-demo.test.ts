import { describeWithServer, probeMariaDb } from '@org/test-support'
import { expect, it } from 'vitest'
import { runDemo } from '../src/run-demo.js'

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'rotation demo', () => {
  it('runs through several dual-account rotations without a failed query', async () => {
    const lines: string[] = []
    const report = await runDemo({
      durationMs: 7_000,
      rotationInterval: '2s',
      log: (l) => lines.push(l),
    })
    expect(report.failedQueries).toBe(0)
    expect(report.queries).toBeGreaterThan(50)
    // Both accounts of the pair served queries: rotation really alternated them.
    expect(report.rotations).toBeGreaterThanOrEqual(2)
    expect(report.usersSeen).toHaveLength(2)
    expect(report.usersSeen[1]).toBe(`${report.usersSeen[0]}_clone`)
    expect(lines.join('\n')).toMatch(/dual-account/)
  }, 30_000)
})
