import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/mssql.ts'],
  format: ['esm', 'cjs'],
  // The namespace entries' declarations are written from their sources after the build
  // (scripts/namespace-entry-dts.mjs): the bundler cannot express their default export.
  dts: {
    entry: { exports: 'src/exports.ts', mssql: 'src/mssql.ts' },
    compilerOptions: { stripInternal: true },
  },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // `import.meta.url` in the CommonJS build (tedious-internals reads tedious's version through it).
  shims: true,
  splitting: true,
  external: ['tedious', 'mssql', '@org/secret-client'],
})
