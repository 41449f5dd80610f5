import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Db } from '../platform/postgres.js'

export interface StreamSource {
  /** The SSE event name, e.g. alert.opened. */
  event: string
  /** Rows with an id above `after`, oldest first, as the event's data. */
  read(
    db: Db,
    after: string,
    limit: number,
  ): Promise<Array<{ id: string } & Record<string, unknown>>>
  /**
   * The newest id now: a stream starts after it unless Last-Event-ID or `?after=`
   * says otherwise.
   */
  newest(db: Db): Promise<string>
}

/**
 * Server-sent events of new rows. The stream polls Postgres rather than listening to
 * the process that wrote the row, so it works whether the workers run here or in
 * another process; a reconnecting client sends Last-Event-ID and misses nothing.
 */
export async function streamRows(
  db: Db,
  source: StreamSource,
  request: FastifyRequest,
  reply: FastifyReply,
  pollMs: number,
  // The event's data; JSON by default. The console sends rendered HTML instead.
  data: (row: { id: string } & Record<string, unknown>) => string = JSON.stringify,
) {
  // Last-Event-ID first: a browser reconnects to the same URL and sends it. `?after=`
  // is where a page that rendered the rows up to that id wants its stream to begin, so
  // a row written between the page and the stream's connection is not missed.
  const resume = [request.headers['last-event-id'], (request.query as { after?: unknown })?.after]
    .filter((id): id is string => typeof id === 'string' && /^\d+$/.test(id))
    .at(0)
  let after = resume ?? (await source.newest(db))
  reply.hijack()
  const out = reply.raw
  out.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  })
  out.write(': connected\n\n')
  let closed = false
  let busy = false
  const tick = async () => {
    if (closed || busy) return
    busy = true
    try {
      for (const row of await source.read(db, after, 100)) {
        // One data line per line of text, as SSE requires; JSON has only one.
        const lines = data(row)
          .split('\n')
          .map((line) => `data: ${line}\n`)
          .join('')
        out.write(`id: ${row.id}\nevent: ${source.event}\n${lines}\n`)
        after = row.id
      }
    } catch (error) {
      request.log.warn({ err: error }, 'live stream read failed; the next poll tries again')
    } finally {
      busy = false
    }
  }
  const timer = setInterval(tick, pollMs)
  request.raw.on('close', () => {
    closed = true
    clearInterval(timer)
  })
}

export const alertSource: StreamSource = {
  event: 'alert.opened',
  async read(db, after, limit) {
    const { rows } = await db.query<{ id: string } & Record<string, unknown>>(
      `SELECT id::text AS id, tenant_id AS "tenantId", rule_id AS "ruleId", severity, title, status,
              assignee_id::text AS "assigneeId", evidence, opened_at AS "openedAt"
       FROM alerts WHERE id > $1::bigint ORDER BY id LIMIT $2`,
      [after, limit],
    )
    return rows
  },
  newest: async (db) =>
    (await db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM alerts')).rows[0]!
      .id,
}

export const leadSource: StreamSource = {
  event: 'lead.opened',
  async read(db, after, limit) {
    const { rows } = await db.query<{ id: string } & Record<string, unknown>>(
      `SELECT id::text AS id, tenant_id AS "tenantId", source, status, score, intent_tags AS "intentTags", created_at AS "createdAt"
       FROM leads WHERE id > $1::bigint ORDER BY id LIMIT $2`,
      [after, limit],
    )
    return rows
  },
  newest: async (db) =>
    (await db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM leads')).rows[0]!
      .id,
}
