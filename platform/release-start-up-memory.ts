import v8 from 'node:v8'
import vm from 'node:vm'

/**
 * Runs one full garbage collection. Start-up leaves large garbage that V8 frees only in
 * a full collection: on a new DATA_DIR, PGlite runs initdb in a WebAssembly instance of
 * its own, whose memory (about 400 MB) is unreferenced once the database is open. A
 * server with a small JS heap may not run a full collection for a long time, and keeps
 * that memory resident meanwhile. Exposing gc to a fresh context is the one way Node
 * offers to ask for a collection without a command-line flag.
 */
export function releaseStartUpMemory(): void {
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as (() => void) | undefined
  gc?.()
}
