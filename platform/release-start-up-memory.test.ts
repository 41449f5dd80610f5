import { expect, it } from 'vitest'
import { releaseStartUpMemory } from './release-start-up-memory.js'

it('collects garbage that nothing references any more', async () => {
  let garbage: { bytes: ArrayBuffer } | undefined = { bytes: new ArrayBuffer(64 * 2 ** 20) }
  const ref = new WeakRef(garbage)
  garbage = undefined
  // A WeakRef keeps its target alive until the current job ends.
  await new Promise((resolve) => setImmediate(resolve))
  releaseStartUpMemory()
  expect(ref.deref() === undefined).toBe(true)
})
