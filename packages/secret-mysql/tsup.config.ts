import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/promise.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node18',
  splitting: false,
  external: ['mysql2', '@org/secret-client'],
})
