// @org/secret-tedious: tedious's Connection; `secretName` replaces `authentication`.
import { Connection, Request } from '@org/secret-tedious'

function whoami(): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = new Connection({
      server: process.env.DB_HOST ?? '127.0.0.1',
      secretName: process.env.SECRET_NAME ?? 'db/app',
      options: { port: Number(process.env.DB_PORT ?? 1433), database: process.env.DB_NAME },
    })
    let who = ''
    connection.on('connect', (err) => {
      if (err) return reject(err)
      const request = new Request('SELECT SUSER_SNAME() AS who', (error) => {
        connection.close()
        if (error) reject(error)
      })
      request.on('row', (columns) => {
        who = String(columns[0]?.value)
      })
      connection.execSql(request)
    })
    connection.on('end', () => resolve(who))
    connection.connect()
  })
}

const rounds = Number(process.env.EXAMPLE_ROUNDS ?? 5)
for (let round = 1; round <= rounds; round++) {
  // A connection per round: each one logs in with the secret's current version.
  console.log(`round ${round}: queried as ${await whoami()}`)
  await new Promise((resolve) => setTimeout(resolve, 500))
}
