import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * Starts a worker thread on a TypeScript module. The sources run through tsx without a
 * build step, and a worker does not inherit the loader its parent registered in code
 * (bin/tenantpulse.js) or by vitest, so the worker registers tsx itself before it
 * imports its module.
 */
export function spawnTsWorker(module: URL, options: WorkerOptions = {}): Worker {
  const tsx = import.meta.resolve('tsx/esm/api')
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(module.href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}
