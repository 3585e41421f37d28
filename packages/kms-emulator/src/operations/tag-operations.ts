import { invalidParameter, limitExceeded, missingParameter } from '../internal/api-errors.js'
import { optionalJson, optionalString, optionalStringList } from '../internal/params.js'
import { MAX_TAGS, parseTags } from '../internal/validation.js'
import type { SecretRecord } from '../store/secret-record.js'
import type { Operation, OperationContext } from './operation-context.js'
import { tagsView } from './secret-views.js'

function secretTarget(params: Record<string, string>, ctx: OperationContext): SecretRecord {
  const name = optionalString(params, 'SecretName')
  if (name === undefined) {
    if (
      optionalString(params, 'KeyId') !== undefined ||
      optionalString(params, 'CertificateId') !== undefined
    ) {
      throw invalidParameter('KeyId', 'the emulator only manages secrets')
    }
    throw missingParameter('SecretName')
  }
  return ctx.store.getActive(name)
}

/** `TagResource`: adds or overwrites tags; a secret holds at most 20. */
export const tagResource: Operation = (params, ctx) => {
  const tagsJson = optionalJson(params, 'Tags')
  if (tagsJson === undefined) throw missingParameter('Tags')
  const tags = parseTags(tagsJson)
  const record = secretTarget(params, ctx)
  const merged = record.tags.map((t) => ({ ...t }))
  for (const tag of tags) {
    const existing = merged.find((t) => t.key === tag.key)
    if (existing) existing.value = tag.value
    else merged.push(tag)
  }
  if (merged.length > MAX_TAGS) throw limitExceeded(`A secret can have at most ${MAX_TAGS} tags.`)
  record.tags = merged
  record.updateTime = ctx.now()
  ctx.store.persist()
  return {}
}

/** `UntagResource`: removes tags by key (`TagKeys=["k1","k2"]`). */
export const untagResource: Operation = (params, ctx) => {
  const keys = optionalStringList(params, 'TagKeys')
  if (keys === undefined) throw missingParameter('TagKeys')
  const record = secretTarget(params, ctx)
  record.tags = record.tags.filter((t) => !keys.includes(t.key))
  record.updateTime = ctx.now()
  ctx.store.persist()
  return {}
}

/** `ListResourceTags` of a secret. */
export const listResourceTags: Operation = (params, ctx) => {
  const record = secretTarget(params, ctx)
  return { Tags: tagsView(record) }
}
