#!/usr/bin/env node
// The command's entry: a file that exists before the build, so installing the workspace can link
// it (pnpm warns for a bin whose file is missing, and dist/ is built after install).
try {
  await import('../dist/cli.js')
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('cli.js')) {
    process.stderr.write(
      'kms-emulator is not built yet: run `pnpm build` first (or, from the repository root, ' +
        '`pnpm kms-emulator`, which builds it).\n',
    )
    process.exit(1)
  }
  throw error
}
