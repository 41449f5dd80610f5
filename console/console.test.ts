import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { type KeyRole, seedApiKey } from '../api/api-keys.js'
import { createRouteRoles } from '../api/route-roles.js'
import { addAccount } from '../api/test-support.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { buildTestApp } from '../test/app.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { contentSecurityPolicy } from './plugin.js'

let ch: ClickHouse
let db: Db
const keys = {} as Record<KeyRole, string>
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
  for (const role of ['admin', 'sales', 'csm', 'data', 'write'] as const) {
    keys[role] = `tpk_console_${role}_${randomBytes(6).toString('hex')}`
    await seedApiKey(db, { key: keys[role], role, name: `console ${role}` })
  }
})

const cookieOf = (setCookie: string | string[] | undefined, name: string) =>
  [setCookie ?? []].flat().find((c) => c.startsWith(`${name}=`))

async function signIn(app: FastifyInstance, key: string) {
  const form = await app.inject({ method: 'GET', url: '/signin' })
  const signinCookie = cookieOf(form.headers['set-cookie'], 'tp_signin')!.split(';')[0]!
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!
  const res = await app.inject({
    method: 'POST',
    url: '/signin',
    headers: { cookie: signinCookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ key, _csrf: token, next: '/' }).toString(),
  })
  const session = cookieOf(res.headers['set-cookie'], 'tp_session')
  return { res, session, cookie: session?.split(';')[0] ?? '' }
}

describe('when a key signs in to the console', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie that is not the key, and opens its home', async () => {
    const { app } = await buildTestApp({ ch, db })
    const { res, session, cookie } = await signIn(app, keys.sales)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/')
    expect(session).toMatch(/HttpOnly/)
    expect(session).toMatch(/SameSite=Strict/)
    expect(session).toMatch(/Path=\//)
    expect(session).not.toContain(keys.sales)
    const stored = await db.query<{ id_hash: string }>('SELECT id_hash FROM console_sessions')
    expect(stored.rows.map((r) => r.id_hash)).not.toContain(cookie.split('=')[1])
    const home = await app.inject({ method: 'GET', url: '/', headers: { cookie } })
    expect(home.headers.location).toBe('/leads')
    const inbox = await app.inject({ method: 'GET', url: '/leads', headers: { cookie } })
    expect(inbox.statusCode).toBe(200)
    expect(inbox.headers['content-security-policy']).toBe(contentSecurityPolicy)
    expect(inbox.body).toContain('<h1>Lead inbox</h1>')
    expect(inbox.body).not.toContain('Alert board')
  })

  it('refuses an unknown key and a write key with words, and opens no session', async () => {
    const { app } = await buildTestApp({ ch, db })
    for (const key of ['tpk_nope', keys.write]) {
      const { res, session } = await signIn(app, key)
      expect(res.statusCode).toBe(401)
      expect(session).toBeUndefined()
      expect(res.body).toMatch(/unknown or has been revoked|only sends events/)
    }
  })

  it('sends a visitor without a session to the sign-in page', async () => {
    const { app } = await buildTestApp({ ch, db })
    const res = await app.inject({ method: 'GET', url: '/alerts?status=open' })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/signin?next=%2Falerts%3Fstatus%3Dopen')
  })
})

describe('when a signed-in key asks for what its role may not see', () => {
  it('answers a sales key a 403 page for the alert board, the rules and the admin pages', async () => {
    const { app } = await buildTestApp({ ch, db })
    const { cookie } = await signIn(app, keys.sales)
    for (const url of ['/alerts', '/rules', '/admin/keys', '/admin/webhooks']) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie } })
      expect(res.statusCode, url).toBe(403)
      expect(res.headers['content-type']).toMatch(/text\/html/)
      expect(res.body).toContain('a sales key may not open this page')
    }
  })

  it("shows a sales key a customer's account as a 403 in words, as the API does", async () => {
    const { app } = await buildTestApp({ ch, db })
    await addAccount(db, 'console-cust', 'customer')
    const { cookie } = await signIn(app, keys.sales)
    const res = await app.inject({
      method: 'GET',
      url: '/accounts/console-cust',
      headers: { cookie },
    })
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain(
      'account console-cust is a customer; a sales key sees prospect, lead, opportunity',
    )
    expect(res.body).not.toMatch(/\{"error"|\.ts:\d+/)
  })
})

describe('when a write comes without the CSRF token', () => {
  it('refuses it with a 403 page and changes nothing', async () => {
    const { app } = await buildTestApp({ ch, db })
    await addAccount(db, 'console-prospect', 'prospect')
    const { cookie } = await signIn(app, keys.sales)
    const res = await app.inject({
      method: 'POST',
      url: '/leads',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'tenantId=console-prospect',
    })
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('did not come with its security token')
    const leads = await db.query("SELECT 1 FROM leads WHERE tenant_id = 'console-prospect'")
    expect(leads.rowCount).toBe(0)
  })

  it('ends the session on sign-out, which itself needs the token', async () => {
    const { app } = await buildTestApp({ ch, db })
    const { cookie } = await signIn(app, keys.csm)
    const page = await app.inject({ method: 'GET', url: '/alerts', headers: { cookie } })
    const token = /name="csrf-token" content="([^"]+)"/.exec(page.body)![1]!
    const forged = await app.inject({ method: 'POST', url: '/signout', headers: { cookie } })
    expect(forged.statusCode).toBe(403)
    const out = await app.inject({
      method: 'POST',
      url: '/signout',
      headers: { cookie, 'x-csrf-token': token },
    })
    expect(out.statusCode).toBe(303)
    const after = await app.inject({ method: 'GET', url: '/alerts', headers: { cookie } })
    expect(after.headers.location).toMatch(/^\/signin/)
  })
})

describe('when data holds markup', () => {
  it('shows an account name with a script as text in the inbox and on the lead page', async () => {
    const { app } = await buildTestApp({ ch, db })
    const name = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    await db.query(
      `INSERT INTO accounts (tenant_id, name, lifecycle, owner_team) VALUES ('evil"tenant', $1, 'prospect', 'sales')`,
      [name],
    )
    const created = await app.inject({
      method: 'POST',
      url: '/api/leads',
      headers: { authorization: `Bearer ${keys.sales}` },
      payload: { tenantId: 'evil"tenant', note: '</textarea><b>bold</b>' },
    })
    expect(created.statusCode).toBe(201)
    const { cookie } = await signIn(app, keys.sales)
    for (const url of ['/leads', `/leads/${created.json().lead.id}`]) {
      const res = await app.inject({ method: 'GET', url, headers: { cookie } })
      expect(res.statusCode, url).toBe(200)
      expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;')
      expect(res.body).not.toContain('<img src=x')
      expect(res.body).not.toContain('<script>alert')
      expect(res.body).not.toContain('<b>bold</b>')
    }
  })
})

describe('when a console page names an API route', () => {
  it('takes the roles that route declares, and refuses at start-up a route the API lacks', () => {
    const roles = createRouteRoles()
    roles.record({
      method: 'GET',
      url: '/api/leads',
      config: { roles: ['sales', 'admin'] },
    } as never)
    roles.record({ method: 'GET', url: '/healthz' } as never)
    expect(roles.rolesOf('GET /api/leads')).toEqual(['sales', 'admin'])
    expect(() => roles.rolesOf('GET /healthz')).toThrow('which the API does not declare')
    expect(() => roles.rolesOf('GET /api/nope')).toThrow('GET /api/nope')
  })
})

describe('when a lead is entered between the inbox page and its live stream', () => {
  it('arrives on the stream the page connects to, not lost in the gap', async () => {
    const { app } = await buildTestApp({ ch, db })
    const tenantId = `console-gap-${randomBytes(4).toString('hex')}`
    await addAccount(db, tenantId, 'prospect')
    const { cookie } = await signIn(app, keys.sales)
    const page = await app.inject({ method: 'GET', url: '/leads', headers: { cookie } })
    const streamUrl = /sse-connect="([^"]+)"/.exec(page.body)?.[1]
    expect(streamUrl).toMatch(/^\/leads\/stream\?after=\d+$/)

    const res = await app.inject({
      method: 'POST',
      url: '/api/leads',
      headers: { authorization: `Bearer ${keys.sales}` },
      payload: { tenantId, score: 90, note: 'entered while the page loaded' },
    })
    expect(res.statusCode).toBe(201)

    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const received: string[] = []
    const stream = http.get(`${address}${streamUrl}`, { headers: { cookie } }, (r) => {
      r.setEncoding('utf8')
      r.on('data', (chunk: string) => received.push(chunk))
    })
    onTestFinished(() => {
      stream.destroy()
    })
    await vi.waitFor(() => expect(received.join('')).toContain('event: lead.opened'), {
      timeout: 10_000,
    })
    expect(received.join('')).toContain(tenantId)
  })
})
