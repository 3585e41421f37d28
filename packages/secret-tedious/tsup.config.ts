import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/mssql.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // `import.meta.url` in the CommonJS build (tedious-internals reads tedious's version through it).
  shims: true,
  splitting: true,
  external: ['tedious', 'mssql', '@org/secret-client'],
})
