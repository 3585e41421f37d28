import { vitestConfig } from '../../vitest.shared.js'

export default vitestConfig({ oldestPeers: { tedious: 'tedious-oldest', mssql: 'mssql-oldest' } })
