/**
 * A value in this server's SQL subset. Results are typed from it: `number` → INT (BIGINT past 32
 * bits, FLOAT when not an integer), `bigint` → BIGINT, `string` → NVARCHAR, `boolean` → BIT,
 * `Buffer` → VARBINARY, `null` → a NULL INT.
 */
export type SqlValue = null | boolean | number | bigint | string | Buffer
