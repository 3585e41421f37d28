import { vitestConfig } from '../../vitest.shared.js'

export default vitestConfig({ oldestPeers: { pg: 'pg-oldest' } })
