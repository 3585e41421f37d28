import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/promise.ts'],
  format: ['esm', 'cjs'],
  // The namespace entries' declarations are written from their sources after the build
  // (scripts/namespace-entry-dts.mjs): the bundler cannot express their default export.
  dts: {
    entry: { exports: 'src/exports.ts', 'promise-exports': 'src/promise-exports.ts' },
    compilerOptions: { stripInternal: true },
  },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // One copy of each class per format: `instanceof SecretPool` must hold across both entries.
  splitting: true,
  // `import.meta.url` in the CommonJS build (mysql2-internals reads mysql2's version through it).
  shims: true,
  external: ['mysql2', '@org/secret-client'],
})
