// knex's dialect classes, loaded by path (knex exports only its base Client): typed loosely here,
// checked at run time by knex-internals.ts.
declare module 'knex/lib/dialects/mysql2/index.js' {
  const Client: new (config: object) => object
  export default Client
}
declare module 'knex/lib/dialects/postgres/index.js' {
  const Client: new (config: object) => object
  export default Client
}
declare module 'knex/lib/dialects/mssql/index.js' {
  const Client: new (config: object) => object
  export default Client
}
