import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts', 'src/mysql2.ts', 'src/pg.ts', 'src/mssql.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // `import.meta.url` in the CommonJS build (knex-internals reads knex's version through it).
  shims: true,
  splitting: true,
  external: [/^knex(\/.*)?$/, /^@org\//, 'mysql2', 'pg', 'tedious'],
})
