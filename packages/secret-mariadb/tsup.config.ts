import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/callback.ts'],
  format: ['esm', 'cjs'],
  // The namespace entries' declarations are written from their sources after the build
  // (scripts/namespace-entry-dts.mjs): the bundler cannot express their default export.
  dts: {
    entry: { exports: 'src/exports.ts', 'callback-exports': 'src/callback-exports.ts' },
    compilerOptions: { stripInternal: true },
  },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // `import.meta.url` in the CommonJS build (mariadb-internals reads mariadb's version through it).
  shims: true,
  // One copy of each class per format: `secretPoolState` must recognise pools of both entries.
  splitting: true,
  external: ['mariadb', '@org/secret-client'],
})
