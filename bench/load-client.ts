// The load generator of bench:ingest, run in its own process so that making requests
// does not take CPU from the server it measures. It talks to its parent over IPC:
// { mode, url, writeKey, ... } in, one result message out.
import http from 'node:http'

export interface LoadOrder {
  url: string
  writeKey: string
  batchSize: number
  /** closed: `clients` loops as fast as answers come; open: a fixed request rate. */
  mode: 'closed' | 'open'
  clients: number
  requestsPerSecond?: number
  durationMs: number
  tenants: number
  runId: string
}

export interface LoadResult {
  requests: number
  events: number
  failures: Record<string, number>
  seconds: number
  latenciesMs: number[]
  maxRssBytes: number
  cpuSeconds: number
}

const modules = ['workspace', 'tasks', 'analytics', 'automation', 'ai']

// Bodies are built once from templates and only stamped per request (a sequence number
// in every messageId, a fresh sentAt), so the load generator spends its CPU on sending
// rather than on building JSON: it shares the machine with the server it measures.
function templates(order: LoadOrder, count: number): string[] {
  const start = Date.now()
  return Array.from({ length: count }, (_, t) => {
    const events: string[] = []
    for (let i = 0; i < order.batchSize; i++) {
      const n = t * order.batchSize + i
      const tenant = `t_${(n * 7919) % order.tenants}`
      const user = `${tenant}_u${n % 97}`
      const id = `${order.runId}-@@SEQ@@-${i}`
      const ts = new Date(start - (n % 5000)).toISOString()
      const context = `{"groupId":"${tenant}","library":{"name":"bench","version":"1"}}`
      const module = modules[n % 5]
      events.push(
        n % 3 === 0
          ? `{"type":"page","messageId":"${id}","userId":"${user}","timestamp":"${ts}","context":${context},"properties":{"path":"/apps/${module}/item/${n % 100}","title":"Item"}}`
          : `{"type":"track","messageId":"${id}","userId":"${user}","event":"Feature Used","timestamp":"${ts}","context":${context},"properties":{"module":"${module}","feature":"f${n % 13}","count":${n % 7}}}`,
      )
    }
    return `{"batch":[${events.join(',')}],"sentAt":"@@SENT@@"}`
  })
}

async function run(order: LoadOrder): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: order.clients * 2 })
  const auth = `Basic ${Buffer.from(`${order.writeKey}:`).toString('base64')}`
  const latencies: number[] = []
  const failures: Record<string, number> = {}
  const bodies = templates(order, 64)
  let seq = 0
  let requests = 0
  let events = 0
  const send = () =>
    new Promise<void>((resolve) => {
      const n = seq++
      const payload = bodies[n % bodies.length]!.replaceAll('@@SEQ@@', String(n)).replace(
        '@@SENT@@',
        new Date().toISOString(),
      )
      const started = performance.now()
      const req = http.request(
        order.url,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: auth,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          res.resume()
          res.on('end', () => {
            latencies.push(performance.now() - started)
            requests++
            if (res.statusCode === 200) events += order.batchSize
            else failures[String(res.statusCode)] = (failures[String(res.statusCode)] ?? 0) + 1
            resolve()
          })
        },
      )
      req.on('error', (error) => {
        failures[error.message] = (failures[error.message] ?? 0) + 1
        resolve()
      })
      req.end(payload)
    })

  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const until = started + order.durationMs
  if (order.mode === 'closed') {
    await Promise.all(
      Array.from({ length: order.clients }, async () => {
        while (performance.now() < until) await send()
      }),
    )
  } else {
    // Open loop: requests leave on a schedule whatever the answers do, as real SDKs
    // would, so a slow server shows as latency rather than as a lower offered rate.
    const interval = 1000 / (order.requestsPerSecond ?? 100)
    const inFlight = new Set<Promise<void>>()
    let next = started
    while (next < until) {
      const wait = next - performance.now()
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
      const p: Promise<void> = send().then(() => {
        inFlight.delete(p)
      })
      inFlight.add(p)
      next += interval
    }
    await Promise.all(inFlight)
  }
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  agent.destroy()
  return {
    requests,
    events,
    failures,
    seconds,
    latenciesMs: latencies,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }
}

process.once('message', async (order: LoadOrder) => {
  const result = await run(order)
  process.send!(result, () => process.exit(0))
})
