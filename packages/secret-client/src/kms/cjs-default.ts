/**
 * The class a CommonJS package exports as `exports.default`, from `import * as ns`. Bundlers and
 * TypeScript put `exports.default` at `ns.default`; Node's ESM loader puts `module.exports` there
 * (it ignores `__esModule`), one level further out. The Alibaba SDK packages are CommonJS and this
 * package ships both ESM and CJS, so both happen.
 */
export function cjsDefault<T>(namespace: unknown): T {
  let candidate: unknown = namespace
  for (let depth = 0; depth < 3; depth++) {
    if (typeof candidate === 'function') return candidate as T
    candidate = (candidate as { default?: unknown } | null | undefined)?.default
  }
  throw new TypeError('CommonJS module has no default export class')
}
