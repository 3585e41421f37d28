import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/callback.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // `import.meta.url` in the CommonJS build (mariadb-internals reads mariadb's version through it).
  shims: true,
  // One copy of each class per format: `secretPoolState` must recognise pools of both entries.
  splitting: true,
  external: ['mariadb', '@org/secret-client'],
})
