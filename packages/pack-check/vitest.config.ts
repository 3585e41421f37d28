import { vitestConfig } from '../../vitest.shared.js'

// Packing seven packages and an npm install from the registry take a minute or two.
export default vitestConfig({ testTimeout: 120_000, hookTimeout: 300_000 })
