import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', driver: 'src/driver/index.ts' },
  format: ['esm', 'cjs'],
  // `@internal` members (test seams) stay out of the published declarations.
  dts: { compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // One copy of every module per format: `instanceof` and the shared refresh map must not be
  // split between the two entries.
  splitting: true,
  // `import.meta.url` in the CommonJS build: the optional `@opentelemetry/api` is required from it.
  shims: true,
})
