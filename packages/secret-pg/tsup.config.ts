import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  // The namespace entries' declarations are written from their sources after the build
  // (scripts/namespace-entry-dts.mjs): the bundler cannot express their default export.
  dts: {
    entry: { exports: 'src/exports.ts' },
    compilerOptions: { stripInternal: true },
  },
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  // `import.meta.url` in the CommonJS build (pg-internals reads pg's version through it).
  shims: true,
  external: ['pg', 'pg-connection-string', '@org/secret-client'],
})
