// pg 8.x deprecates two things these tests exercise on purpose, to prove that a program doing them
// behaves as with pg (the `Promise` option; a query sent while the client is busy). pg says so
// once per process with a DeprecationWarning that would print in every test run. Only those two
// notices are muted, in the test files importing this module; every other warning still prints.
const MUTED = [
  'Passing a custom Promise implementation to the Client/Pool constructor is deprecated',
  'Calling client.query() when the client is already executing a query is deprecated',
]

const emitWarning = process.emitWarning.bind(process)
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const message = typeof warning === 'string' ? warning : warning.message
  if (MUTED.some((muted) => message.startsWith(muted))) return
  return (emitWarning as (...args: unknown[]) => void)(warning, ...rest)
}) as typeof process.emitWarning
