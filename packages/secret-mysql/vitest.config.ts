import { vitestConfig } from '../../vitest.shared.js'

export default vitestConfig({ oldestPeers: { mysql2: 'mysql2-oldest' } })
