import path from 'node:path'
import { z } from 'zod'

// Every setting the process reads from its environment. This is the only module
// that looks at process.env (see loadConfig); everything else gets a Config.
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback)

const configSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // Unset: the embedded ClickHouse (chDB) under DATA_DIR/clickhouse.
  CLICKHOUSE_URL: z.url().optional(),
  // A plain identifier: it is bound as {db:Identifier}, and tests use one per file.
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _, not starting with a digit')
    .default('tenantpulse'),
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  // Unset: the embedded Postgres (PGlite) under DATA_DIR/postgres.
  DATABASE_URL: z.string().min(1).optional(),

  // A write key registered at start-up, for SDKs and the load generator.
  INGEST_WRITE_KEY: z.string().min(8).optional(),
  ADMIN_API_KEY: z.string().min(16).optional(),

  // Segment's own limits: 32 KB an event, 500 KB and 2,500 events a batch.
  INGEST_MAX_BODY_BYTES: int(500 * 1024, 1024),
  INGEST_MAX_EVENT_BYTES: int(32 * 1024, 256),
  INGEST_MAX_BATCH_EVENTS: int(2500, 1),
  INGEST_MAX_DEPTH: int(16, 2),
  INGEST_MAX_KEYS: int(512, 8),
  INGEST_MAX_STRING_BYTES: int(8 * 1024, 64),
  // A client clock within this distance of ours is taken as right: the gap is transit
  // time, and leaving the timestamp alone keeps a retried event's day stable.
  INGEST_SKEW_TOLERANCE_MS: int(2000),
  // Group commit: an insert goes when this many rows wait, or when the first of them
  // has waited this long. The wait caps inserts at about 1000 / INGEST_FLUSH_MS a
  // second: each is a part with a fixed cost and later merges, so at 30 ms, 40,000
  // events/s make 1,200-row parts rather than hundreds of 400-row ones.
  INGEST_FLUSH_ROWS: int(10_000, 1),
  INGEST_FLUSH_MS: int(30, 0),
  // Rows waiting for ClickHouse beyond which requests get 503 + Retry-After.
  INGEST_QUEUE_MAX_ROWS: int(100_000, 1),
  INGEST_RETRY_AFTER_SECONDS: int(5, 1),
  // Inserts in flight at once, at most: while one is written, the next batch fills and
  // goes when it ends, or beside it once it has taken INGEST_OVERLAP_AFTER_MS, which
  // bounds the wait behind a slow insert (a merge, a disk stall) without cutting a
  // normal load into smaller inserts.
  INGEST_INSERT_CONCURRENCY: int(2, 1),
  INGEST_OVERLAP_AFTER_MS: int(50, 0),

  MODULES_FILE: z.string().min(1).optional(),
  // The plans that pay nothing, in the product's own words: a tenant first seen on any
  // other plan is already a customer. Compared without regard to case.
  FREE_PLANS: z
    .string()
    .default('free')
    .transform((text) => text.split(',').map((name) => name.trim()))
    .superRefine((names, ctx) => {
      for (const [i, name] of names.entries()) {
        if (name !== '' && name.length <= 100) continue
        ctx.addIssue({
          code: 'custom',
          message: `a comma-separated list of plan names, each 1 to 100 characters; entry ${i + 1} is ${name === '' ? 'empty' : 'too long'}`,
        })
      }
    }),

  // Start a redis-server under DATA_DIR when none answers at a local REDIS_URL.
  REDIS_AUTOSTART: z.stringbool().default(true),
  // The namespace of this deployment's queues. The deployment id of the CRM store is
  // added to it, and braces around both keep every key in one Redis Cluster slot:
  // {tenantpulse:3f9a0c1d2b4e}. Two deployments never take each other's jobs.
  QUEUE_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9_.-]{1,48}$/,
      'letters, digits, _ . and - (1 to 48); the deployment id and braces are added',
    )
    .default('tenantpulse'),
  // The rollups job folds committed events into the rollups: how often, and at most how
  // many rows of events in one INSERT ... SELECT (a backlog goes in chunks).
  ROLLUP_EVERY_MS: int(1000, 100),
  ROLLUP_FOLD_MAX_ROWS: int(2_000_000, 1000),
  // The engine's threads for a fold. One: the job shares the machine with ingest, and a
  // fold with every core stalls the group commit's inserts for its length (bench:ingest:
  // at 60 % load, every request over 150 ms overlapped a fold), while one core folds a
  // second of full load in well under a second.
  ROLLUP_MAX_THREADS: int(1, 1),
  // crm-sync: how often it runs, how far before its watermark it reads again (group
  // commits land out of order), and how many events it reads at a time.
  CRM_SYNC_EVERY_MS: int(5000, 100),
  CRM_SYNC_OVERLAP_SECONDS: int(60, 0),
  CRM_SYNC_PAGE_SIZE: int(5000, 1),

  // Rule evaluation: ABM rules every 15 minutes, churn rules hourly; health scores hourly.
  RULES_ABM_EVERY_MS: int(15 * 60_000, 1000),
  RULES_CHURN_EVERY_MS: int(60 * 60_000, 1000),
  // A firing for an account crm-sync has not created yet is retried for this long
  // before it counts as skipped (unknown_account) in its evaluation's record.
  APPLY_UNKNOWN_ACCOUNT_RETRY_SECONDS: int(15 * 60, 0),
  // Evaluation records (GET /api/jobs/evaluations/:id) are kept this long.
  EVALUATION_RETENTION_DAYS: int(30, 1),
  HEALTH_EVERY_MS: int(60 * 60_000, 1000),
  ALERT_WAKE_EVERY_MS: int(60_000, 1000),
  // Playbooks: how often their tasks are created, and how many days past due an open
  // task raises its account's priority and sends task.overdue.
  PLAYBOOKS_EVERY_MS: int(15 * 60_000, 1000),
  // The churn model: its horizon (a cancellation within this many days of the as-of day),
  // the account precision its operating threshold is chosen for, how often it is
  // retrained (weekly) and how often every customer is scored with the active one.
  MODEL_HORIZON_DAYS: int(30, 1),
  MODEL_TARGET_PRECISION: z.coerce.number().min(0.05).max(0.99).default(0.7),
  MODEL_RETRAIN_EVERY_MS: int(7 * 24 * 60 * 60_000, 60_000),
  MODEL_SCORE_EVERY_MS: int(60 * 60_000, 1000),
  TASK_OVERDUE_ESCALATE_DAYS: int(3, 0),
  // Webhook delivery: how often the outbox is swept, per-request timeout, attempts
  // before giving up (with doubling backoff capped at 2 h: about a day), and whether
  // private and loopback targets are allowed (refused by default: SSRF).
  WEBHOOK_EVERY_MS: int(5000, 100),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100),
  WEBHOOK_MAX_ATTEMPTS: int(15, 1),
  WEBHOOK_ALLOW_PRIVATE: z.stringbool().default(false),
})

/** The variable names, for docs checks: .env.example and README list each one. */
export const configKeys = Object.keys(configSchema.shape)

export type Config = Readonly<z.infer<typeof configSchema>> & {
  readonly dataDir: string
  readonly modulesFile: string
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const projectRoot = path.resolve(import.meta.dirname, '..')

/** Parses an environment (process.env by default) into a frozen Config. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {}
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key]
    // An empty variable means "not set", as in most .env tooling.
    if (value !== undefined && value !== '') picked[key] = value
  }
  const parsed = configSchema.safeParse(picked)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.')
      return `  ${name}=${JSON.stringify(picked[name] ?? '')}: ${issue.message}`
    })
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`)
  }
  return Object.freeze({
    ...parsed.data,
    dataDir: path.resolve(parsed.data.DATA_DIR),
    modulesFile: path.resolve(parsed.data.MODULES_FILE ?? path.join(projectRoot, 'modules.json')),
  })
}
