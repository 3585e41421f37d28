import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../..', import.meta.url))
const fixture = fileURLToPath(new URL('../fixture', import.meta.url))
const PUBLISHED = [
  'secret-client',
  'secret-mysql',
  'secret-pg',
  'secret-mariadb',
  'secret-tedious',
  'secret-knex',
  'kms-emulator',
]

/** The version of `name` installed for a workspace package (the peer the app installs). */
function installedVersion(name: string, from: string): string {
  const require = createRequire(join(root, from, 'package.json'))
  // From the entry up: not every package exports its package.json (mariadb does not).
  const entry = name.startsWith('@types/')
    ? require.resolve(`${name}/package.json`)
    : require.resolve(name)
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (!existsSync(manifest)) continue
    const { name: found, version } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      name?: string
      version: string
    }
    if (found === name) return version
  }
  throw new Error(`${name} is not installed for ${from}`)
}

/**
 * The documented banner for an ESM bundle (README "Bundling"): `@alicloud/credentials` and the
 * drivers are CommonJS and `require()` Node's built-ins, which esbuild's ESM output cannot do
 * without a real `require`.
 */
const ESM_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"

let app: string
let work: string

async function node(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, [file], { cwd: app, encoding: 'utf8' })
  return stdout.trim()
}

beforeAll(async () => {
  // Outside the workspace: nothing resolves from its node_modules.
  work = await mkdtemp(join(tmpdir(), 'pack-check-'))
  app = join(work, 'app')
  const tarballs = join(work, 'tarballs')
  await mkdir(tarballs, { recursive: true })
  for (const name of PUBLISHED) {
    // The build ran before the tests: `prepack` would rebuild (and clean) dist/ while the other
    // packages' tests load it. Its presence is checked below.
    await run('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: join(root, 'packages', name),
      env: { ...process.env, npm_config_ignore_scripts: 'true' },
    })
  }
  const files = await readdir(tarballs)
  const tarball = (name: string) => {
    const file = files.find((f) => f.startsWith(`org-${name}-`))
    if (file === undefined) throw new Error(`no tarball for ${name}`)
    return `file:${join(tarballs, file)}`
  }
  const local = Object.fromEntries(PUBLISHED.map((name) => [`@org/${name}`, tarball(name)]))
  await cp(fixture, app, { recursive: true })
  const manifest = {
    name: 'pack-check-app',
    private: true,
    type: 'module',
    dependencies: {
      ...local,
      mysql2: installedVersion('mysql2', 'packages/secret-mysql'),
      pg: installedVersion('pg', 'packages/secret-pg'),
      '@types/pg': installedVersion('@types/pg', 'packages/secret-pg'),
      mariadb: installedVersion('mariadb', 'packages/secret-mariadb'),
      tedious: installedVersion('tedious', 'packages/secret-tedious'),
      mssql: installedVersion('mssql', 'packages/secret-tedious'),
      knex: installedVersion('knex', 'packages/secret-knex'),
      '@types/node': installedVersion('@types/node', '.'),
    },
    // The packages' dependencies on each other (`@org/secret-client@0.1.0`) are these tarballs,
    // not the registry's; one tedious for tedious and mssql, as in the workspace.
    overrides: {
      ...Object.fromEntries(Object.keys(local).map((name) => [name, `$${name}`])),
      tedious: '$tedious',
    },
  }
  await writeFile(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app })
})

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true })
})

describe('the packed packages, installed with npm outside the workspace', () => {
  it('every package builds itself when packed (prepack), so no tarball ships a stale dist/', () => {
    for (const name of PUBLISHED) {
      const manifest = JSON.parse(
        readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'),
      ) as { scripts?: Record<string, string> }
      expect(manifest.scripts?.prepack, name).toBe('pnpm run build')
      expect(manifest.scripts?.build, name).toMatch(/^tsup\b/)
    }
  })

  it('ESM: every entry point imports, and a secret is read from an emulator through the SDK', async () => {
    expect(await node('esm.mjs')).toBe('esm packed')
  })

  it('CommonJS: every entry point requires', async () => {
    expect(await node('cjs.cjs')).toBe('cjs ok')
  })

  it.each([
    ['nodenext', 'nodenext'],
    ['commonjs', 'node10'],
    ['esnext', 'bundler'],
  ])(
    'tsc --strict, module %s, moduleResolution %s, skipLibCheck off: the drivers’ types reach the app',
    async (module, resolution) => {
      const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc')
      const args = [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        'false',
        '--esModuleInterop',
        '--target',
        'es2022',
        '--module',
        module,
        '--moduleResolution',
        resolution,
        '--types',
        'node',
        'check.ts',
      ]
      const checked = await run(process.execPath, args, { cwd: app, encoding: 'utf8' }).then(
        () => '',
        (error: { stdout?: string }) => error.stdout ?? String(error),
      )
      expect(checked).toBe('')
    },
  )

  it('esbuild ESM bundle: runs with the documented require banner (and fails without it)', async () => {
    const esbuild = await import('esbuild')
    const build = (outfile: string, banner?: string) =>
      esbuild.build({
        entryPoints: [join(app, 'bundle-entry.mjs')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outfile: join(app, outfile),
        logLevel: 'silent',
        ...(banner === undefined ? {} : { banner: { js: banner } }),
      })
    await build('with-banner.mjs', ESM_BANNER)
    expect(await node('with-banner.mjs')).toBe('bundle packed')
    await build('without-banner.mjs')
    await expect(node('without-banner.mjs')).rejects.toMatchObject({
      stderr: expect.stringContaining('Dynamic require of'),
    })
  })
})
