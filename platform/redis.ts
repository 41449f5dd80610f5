import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { Redis } from 'ioredis'
import type { Logger } from './logger.js'

export type { Redis }

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError'
}

export interface RedisHandle {
  redis: Redis
  /** The redis-server this process started, if it had to. */
  started: ChildProcess | undefined
  close(): Promise<void>
}

export interface RedisOptions {
  url: string
  dataDir: string
  /** Start a redis-server under dataDir when none answers at a local url. */
  autoStart: boolean
  log: Logger
}

/**
 * Connects to Redis. For a local url with nothing listening, and a redis-server on
 * PATH, it starts one with its data under DATA_DIR/redis (append-only, no eviction:
 * Redis holds the queues), so that `npm start` needs nothing running beforehand.
 */
export async function connectRedis(options: RedisOptions): Promise<RedisHandle> {
  let started: ChildProcess | undefined
  if (!(await answers(options.url))) {
    const url = new URL(options.url)
    const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname)
    if (!options.autoStart || !local || !hasRedisServer()) {
      throw new RedisUnavailableError(
        `no Redis answers at ${url.host}. Start one (e.g. \`redis-server\`, or \`apt-get install redis-server\`), ` +
          'or set REDIS_URL to a Redis that runs.',
      )
    }
    started = startRedisServer(Number(url.port || 6379), path.join(options.dataDir, 'redis'))
    options.log.info({ port: url.port || 6379, pid: started.pid }, 'started redis-server')
    for (let i = 0; i < 50 && !(await answers(options.url)); i++) await sleep(100)
  }
  // maxRetriesPerRequest null: BullMQ's blocking commands must wait out a reconnect
  // rather than fail.
  const redis = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: true })
  await redis.connect()
  return {
    redis,
    started,
    async close() {
      await redis.quit().catch(() => redis.disconnect())
      if (started && started.exitCode === null) {
        started.kill('SIGTERM')
        await new Promise((resolve) => started!.once('exit', resolve))
      }
    },
  }
}

/** 'noeviction' is the only policy under which Redis never drops a queued job. */
export async function evictionPolicy(redis: Redis): Promise<string> {
  const reply = (await redis.config('GET', 'maxmemory-policy')) as string[]
  return reply[1] ?? 'unknown'
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  })
  probe.on('error', () => {})
  try {
    await probe.connect()
    return (await probe.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
}

function startRedisServer(port: number, dir: string): ChildProcess {
  mkdirSync(dir, { recursive: true })
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  )
  child.unref()
  return child
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
