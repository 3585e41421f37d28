import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/promise.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // One copy of each class per format: `instanceof SecretPool` must hold across both entries.
  splitting: true,
  // `import.meta.url` in the CommonJS build (mysql2-internals reads mysql2's version through it).
  shims: true,
  external: ['mysql2', '@org/secret-client'],
})
