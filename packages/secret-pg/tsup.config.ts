import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  // `import.meta.url` in the CommonJS build (pg-internals reads pg's version through it).
  shims: true,
  external: ['pg', 'pg-connection-string', '@org/secret-client'],
})
