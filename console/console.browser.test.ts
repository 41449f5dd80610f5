// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright locators; innerText is the text as laid out, which the assertions read
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type KeyRole, seedApiKey } from '../api/api-keys.js'
import { buildApp } from '../api/app.js'
import { startRuntime } from '../cli/runtime.js'
import { applyFirings } from '../crm/apply-firings.js'
import { addUser } from '../crm/test-fixtures.js'
import { evaluateActiveRules } from '../jobs/evaluate-rules.js'
import { updateHealthScores } from '../jobs/update-health-scores.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import { loadConfig } from '../platform/config.js'
import { createLogger } from '../platform/logger.js'
import type { Db } from '../platform/postgres.js'
import { createTestIngest, testModules } from '../rules/test-ingest.js'
import { AS_OF_DAY, dayDate, storyEvents } from '../rules/test-stories.js'
import { writeKey } from '../test/app.js'
import { testDataDir, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { contentSecurityPolicy } from './plugin.js'

// The console in a real headless Chromium (Debian's package, driven by playwright-core)
// against the real server on the small story world. Every page is screenshotted to
// .tmp/screenshots/; `npm run screenshots` copies the main ones for the README.

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const screenshotDir = path.resolve(import.meta.dirname, '..', '.tmp', 'screenshots')
const asOf = dayDate(AS_OF_DAY)

let ch: ClickHouse
let db: Db
let app: FastifyInstance
let base: string
let browser: Browser
const keys = {} as Record<KeyRole, string>
const keyNames = { admin: 'Ada Admin', sales: 'Sam Seller', csm: 'Casey Care', data: 'Dana Data' }
// A CSM key that speaks for a CRM user (the keys above speak for none), for "my tasks".
const caseyKey = `tpk_browser_casey_${randomBytes(8).toString('hex')}`

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium (.ci/run does)`)
  }
  mkdirSync(screenshotDir, { recursive: true })
  ch = await useTestClickHouse()
  db = await useTestPostgres()
  for (const role of ['admin', 'sales', 'csm', 'data'] as const) {
    keys[role] = `tpk_browser_${role}_${randomBytes(8).toString('hex')}`
    await seedApiKey(db, { key: keys[role], role, name: keyNames[role] })
  }
  await addUser(db, 'Sam Seller', 'sales')
  const casey = await addUser(db, 'Casey Care', 'csm')
  await seedApiKey(db, {
    key: caseyKey,
    role: 'csm',
    name: 'Casey Care (own tasks)',
    userId: casey,
  })
  await addUser(db, 'Chris Care', 'csm')
  await createTestIngest(ch, { db })(storyEvents())
  // One app for the file (buildTestApp's closes with each test): the tests share its
  // world and walk it as people would.
  const config = loadConfig({
    DATA_DIR: testDataDir,
    CLICKHOUSE_DATABASE: ch.database,
    ADMIN_API_KEY: 'tpk_test_admin_key_seeded',
    INGEST_WRITE_KEY: writeKey,
    LOG_LEVEL: 'silent',
  })
  const runtime = await startRuntime(config, createLogger(config.LOG_LEVEL), { ch, db })
  app = await buildApp(runtime)
  app.addHook('onClose', () => runtime.close())
  // After the start-up, which installs the built-in rules.
  for (const kind of ['abm', 'churn'] as const) {
    const result = await evaluateActiveRules(
      { ch, db, modules: testModules() },
      { kind, asOf: asOf.toISOString().slice(0, 10) },
    )
    await applyFirings(db, result.firings, asOf)
  }
  await updateHealthScores({ ch, db }, { asOf, modulesAvailable: testModules().length })
  base = await app.listen({ host: '127.0.0.1', port: 0 })
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] })
}, 180_000)

afterAll(async () => {
  // The browser first: its live streams hold connections that would keep the server open.
  await browser?.close()
  await app?.close()
})

interface Session {
  context: BrowserContext
  page: Page
  problems: string[]
}
const open: Session[] = []

/** A fresh browser profile at a width; console errors and CSP violations are recorded. */
async function visit(width = 1280, expected: { statuses?: number[] } = {}): Promise<Session> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, baseURL: base })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    // A page answered with an expected refusal is logged by Chromium as a failed load.
    const status = /status of (\d{3})/.exec(m.text())?.[1]
    if (status && expected.statuses?.includes(Number(status))) return
    problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  // Chromium logs CSP refusals as errors already; this names the directive as well.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`,
  })
  const session = { context, page, problems }
  open.push(session)
  return session
}

afterEach(async () => {
  const sessions = open.splice(0)
  for (const s of sessions) await s.context.close()
  // Checked after closing, so a late error on a page still counts.
  expect(sessions.flatMap((s) => s.problems)).toEqual([])
})

async function signIn(page: Page, role: KeyRole, key = keys[role]) {
  await page.goto('/signin')
  await page.getByLabel('API key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'))
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true })

const apiGet = async (url: string, role: KeyRole) => {
  const res = await app.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${keys[role]}` },
  })
  return res.json()
}

describe('when a sales rep works the lead inbox', () => {
  it('sees the inbox, opens a lead with its evidence, takes it, and the API shows the change', async () => {
    const { page } = await visit()
    await page.goto('/signin')
    await shot(page, 'signin')
    await signIn(page, 'sales')
    await expect.poll(() => page.url()).toBe(`${base}/leads`)
    const response = await page.reload()
    expect(response?.headers()['content-security-policy']).toBe(contentSecurityPolicy)
    const rows = page.locator('#lead-rows tr')
    await expect.poll(() => rows.count()).toBe(3)
    await expect.poll(() => rows.first().innerText()).toContain('free-interest')
    await shot(page, 'inbox')

    await page.getByRole('link', { name: 'free-interest', exact: true }).click()
    await page.getByRole('heading', { name: 'Why it fired' }).waitFor()
    const why = page.locator('.why').first()
    expect(await why.innerText()).toMatch(
      /People on Advanced Analytics in the last 7 days: 3 \(the rule asks for at least 3\)/,
    )
    expect(await why.locator('dl.evidence').innerText()).toMatch(/module_views_7d\s+5/)
    await shot(page, 'lead')

    await page.getByRole('button', { name: 'Take it' }).click()
    await page.getByText('You took the lead').waitFor()
    const leadId = /\/leads\/(\d+)/.exec(page.url())![1]
    const leads = await apiGet('/api/leads?status=working', 'sales')
    expect(leads.items.map((l: { id: string }) => l.id)).toContain(leadId)
  })

  it('sees a new lead arrive live, and filters the inbox without leaving the page', async () => {
    const { page } = await visit()
    await signIn(page, 'sales')
    const rows = page.locator('#lead-rows tr')
    await expect.poll(() => rows.count()).toBeGreaterThan(0)
    const before = await rows.count()
    // A colleague enters an MQL through the API; the stream brings it in.
    const res = await app.inject({
      method: 'POST',
      url: '/api/leads',
      headers: { authorization: `Bearer ${keys.sales}` },
      payload: { tenantId: 'free-noise', score: 95, note: 'met at the webinar' },
    })
    expect(res.statusCode).toBe(201)
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(before + 1)
    expect(await rows.first().innerText()).toContain('free-noise')

    await page.getByLabel('Source').selectOption('mql')
    await expect.poll(() => page.url()).toContain('source=mql')
    await expect.poll(() => rows.count()).toBe(1)
  })

  it('reaches the content by keyboard: the first Tab is the skip link, which moves focus to the page', async () => {
    const { page } = await visit()
    await signIn(page, 'sales')
    await page.keyboard.press('Tab')
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe(
      'Skip to content',
    )
    await page.keyboard.press('Enter')
    await expect.poll(() => page.evaluate<string>('document.activeElement.id')).toBe('main')
    // On through the header to the first filter, by Tab alone.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab')
      if ((await page.evaluate<string>('document.activeElement.id')) === 'f-status') break
    }
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('f-status')
  })

  it('gets no alert board and no admin page', async () => {
    const { page } = await visit(1280, { statuses: [403] })
    await signIn(page, 'sales')
    const nav = page.getByRole('navigation', { name: 'Sections' })
    expect(await nav.innerText()).not.toMatch(/Alert board|API keys|Webhooks|Rules/)
    for (const url of ['/alerts', '/admin/keys']) {
      const response = await page.goto(url)
      expect(response?.status()).toBe(403)
      await page.getByText('a sales key may not open this page').waitFor()
    }
    await shot(page, 'forbidden')
  })

  it('has a write without the CSRF token refused', async () => {
    const { page } = await visit(1280, { statuses: [403] })
    await signIn(page, 'sales')
    const status = await page.evaluate(async () => {
      const res = await fetch('/leads', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'tenantId=free-noise',
      })
      return res.status
    })
    expect(status).toBe(403)
  })
})

describe('when a CSM works the alert board', () => {
  it('acknowledges one alert and snoozes another, and the API shows both', async () => {
    const { page } = await visit()
    await signIn(page, 'csm')
    await expect.poll(() => page.url()).toBe(`${base}/alerts`)
    const cards = page.locator('article.card')
    await expect.poll(() => cards.count()).toBe(5)
    await shot(page, 'alerts')

    const first = cards.first()
    const firstId = (await first.getAttribute('id'))!.replace('alert-', '')
    await first.getByRole('button', { name: 'Acknowledge' }).click()
    await expect
      .poll(() => page.locator(`#alert-${firstId} .badge.status-acknowledged`).count())
      .toBe(1)
    await expect.poll(() => page.locator('#notice').innerText()).toBe('Alert acknowledged.')

    const second = cards.nth(1)
    const secondId = (await second.getAttribute('id'))!.replace('alert-', '')
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)
    await second.getByLabel('Snooze until').fill(until)
    await second.getByRole('button', { name: 'Snooze' }).click()
    await expect
      .poll(() => page.locator(`#alert-${secondId} .badge.status-snoozed`).count())
      .toBe(1)

    const acknowledged = await apiGet('/api/alerts?status=acknowledged', 'csm')
    expect(acknowledged.items.map((a: { id: string }) => a.id)).toEqual([firstId])
    const snoozed = await apiGet('/api/alerts?status=snoozed', 'csm')
    expect(snoozed.items).toEqual([
      expect.objectContaining({ id: secondId, snoozedUntil: `${until}T00:00:00.000Z` }),
    ])
  })

  it("opens a customer's account page with its usage chart, health and timeline", async () => {
    const { page } = await visit()
    await signIn(page, 'csm')
    await page.goto('/accounts/cust-drop')
    await page.locator('.chart canvas').first().waitFor()
    expect(await page.locator('.health-score').innerText()).toMatch(/\d+\s+health score/)
    expect(await page.locator('.timeline li').count()).toBeGreaterThan(0)
    await shot(page, 'account')
  })
})

describe('when a CSM works their tasks', () => {
  const day = 86_400_000
  const titles = {
    overdue: 'Call cust-drop about the drop in use',
    today: 'Send cust-drop the training plan',
    alert: 'Recovery meeting with cust-drop',
  }
  let todayId: string
  let alert: { id: string; status: string }

  beforeAll(async () => {
    const create = async (payload: object) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/tasks',
        headers: { authorization: `Bearer ${caseyKey}` },
        payload: { tenantId: 'cust-drop', ...payload },
      })
      expect(res.statusCode).toBe(201)
      return res.json().task.id as string
    }
    // Four days late: past TASK_OVERDUE_ESCALATE_DAYS (3), so it raises the priority.
    await create({
      title: titles.overdue,
      type: 'call',
      dueAt: new Date(Date.now() - 4 * day).toISOString(),
    })
    todayId = await create({
      title: titles.today,
      type: 'email',
      dueAt: `${new Date().toISOString().slice(0, 10)}T23:59:59.000Z`,
    })
    // A follow-up on one of the account's alerts, as a playbook would add.
    alert = (await apiGet('/api/alerts?tenant=cust-drop', 'csm')).items[0]
    await create({
      title: titles.alert,
      type: 'meeting',
      alertId: alert.id,
      dueAt: new Date(Date.now() + 3 * day).toISOString(),
    })
  })

  it('sees its overdue and today tasks, completes one with an outcome, and the API shows it done', async () => {
    const { page } = await visit()
    await signIn(page, 'csm', caseyKey)
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'My tasks' })
      .click()
    await page.getByRole('heading', { name: 'My tasks', level: 1 }).waitFor()
    const overdue = page.getByRole('region', { name: /^Overdue/ })
    const today = page.getByRole('region', { name: /^Due today/ })
    expect(await overdue.innerText()).toContain(titles.overdue)
    expect(await overdue.innerText()).toMatch(/4 days late/)
    expect(await overdue.innerText()).toContain('escalated')
    expect(await today.innerText()).toContain(titles.today)
    await shot(page, 'tasks')

    const item = page.locator(`#task-${todayId}`)
    await item.getByLabel('Outcome').fill('sent; they book the training for Thursday')
    await item.getByRole('button', { name: 'Complete' }).click()
    await expect.poll(() => page.locator(`#task-${todayId} .badge.status-done`).count()).toBe(1)
    await expect
      .poll(() => page.locator('#notice').innerText())
      .toBe('Task done: its outcome is saved.')
    // The card came back in place and keeps the keyboard focus.
    await expect
      .poll(() => page.evaluate<string>('document.activeElement.id'))
      .toBe(`task-${todayId}-title`)

    const { task } = await apiGet(`/api/tasks/${todayId}`, 'csm')
    expect(task).toMatchObject({
      status: 'done',
      outcome: 'sent; they book the training for Thursday',
    })
  })

  it('sees the open tasks on the account page, and the raised priority in words', async () => {
    const { page } = await visit()
    await signIn(page, 'csm', caseyKey)
    await page.goto('/accounts/cust-drop')
    const tasks = page.getByRole('region', { name: 'Open tasks' })
    expect(await tasks.innerText()).toContain(titles.overdue)
    expect(await page.locator('.facts').innerText()).toMatch(
      /Priority\s+raised 1 open task is 3 or more days overdue/i,
    )
    await shot(page, 'account-tasks')
  })

  it("sees an alert's tasks on its card on the board", async () => {
    const { page } = await visit()
    await signIn(page, 'csm', caseyKey)
    await page.goto(`/alerts?status=${alert.status}`)
    const tasks = page.locator(`#alert-${alert.id}`).getByRole('region', { name: 'Tasks' })
    expect(await tasks.innerText()).toMatch(new RegExp(`open\\s+${titles.alert}`))
    await page.locator(`#alert-${alert.id}`).screenshot({
      path: path.join(screenshotDir, 'alert-tasks.png'),
    })
  })

  it('reads /tasks 390 px wide without scrolling sideways', async () => {
    const { page } = await visit(390)
    await signIn(page, 'csm', caseyKey)
    await page.goto('/tasks')
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - window.innerWidth',
    )
    expect(overflow).toBeLessThanOrEqual(0)
    const unnamed = await page.evaluate<string[]>(`[...document.querySelectorAll(
      'input:not([type=hidden]), select, textarea, button')].filter((e) =>
      !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()
    ).map((e) => e.outerHTML)`)
    expect(unnamed).toEqual([])
    await shot(page, 'tasks-390')
  })

  it('says so when the key speaks for no CRM user, and shows the open tasks it may see', async () => {
    const { page } = await visit()
    await signIn(page, 'csm')
    await page.goto('/tasks')
    await page.getByText('This key is not tied to a CRM user').waitFor()
    expect(await page.locator('main').innerText()).toContain(titles.overdue)
  })

  it("gives a sales key none of a customer's tasks", async () => {
    const { page } = await visit(1280, { statuses: [403] })
    await signIn(page, 'sales')
    await page.goto('/tasks')
    expect(await page.locator('main').innerText()).not.toContain(titles.overdue)
    const response = await page.goto('/accounts/cust-drop')
    expect(response?.status()).toBe(403)
    const listed = await apiGet('/api/tasks?tenant=cust-drop', 'sales')
    expect(listed.items).toEqual([])
  })
})

describe('when the data team tunes a rule', () => {
  it('sees the issue at its field, then backtests a draft against the active version and sees figures and chart', async () => {
    const { page } = await visit(1280, { statuses: [422] })
    await signIn(page, 'data')
    await expect.poll(() => page.url()).toBe(`${base}/rules`)
    await shot(page, 'rules')
    await page.getByRole('link', { name: 'Paid-module interest' }).click()
    const editor = page.getByLabel('The rule as JSON')
    const rule = JSON.parse(await editor.inputValue())

    await editor.fill(
      JSON.stringify(
        { ...rule, conditions: { all: [{ ...rule.conditions.all[0], op: '≥' }] } },
        null,
        2,
      ),
    )
    await page.getByRole('button', { name: 'Save as a new version' }).click()
    await page.locator('ol.code li.bad').first().waitFor()
    expect(await page.locator('ol.code li.bad').first().innerText()).toMatch(
      /"op": "≥"[\s\S]*conditions\.all\.0\.op/,
    )
    await shot(page, 'rule-invalid')

    rule.conditions.all[0].value = 2
    await editor.fill(JSON.stringify(rule, null, 2))
    await page.getByLabel('From').fill('2025-03-20')
    await page.getByLabel('To').fill(asOf.toISOString().slice(0, 10))
    await page.getByRole('button', { name: 'Backtest' }).click()
    const result = page.locator('#backtest-result')
    await result.locator('canvas').first().waitFor({ timeout: 30_000 })
    const figures = await result.locator('table.compare').innerText()
    expect(figures).toMatch(/Accounts fired\s+\d+\s+1/)
    expect(figures).toMatch(/Precision/)
    await shot(page, 'rule-backtest')

    await page.getByLabel('As of').fill(asOf.toISOString().slice(0, 10))
    await page.getByRole('button', { name: 'Dry-run the draft' }).click()
    await page.getByRole('heading', { name: /Dry-run as of .*: 1 firing/ }).waitFor()

    // The draft becomes version 2, then the version that runs.
    await page.getByRole('button', { name: 'Save as a new version' }).click()
    await page.getByText('Saved as version 2').waitFor()
    await page.getByRole('button', { name: 'Activate version 2' }).click()
    await page.getByText('Version 2 runs now.').waitFor()
    const rules = await apiGet('/api/rules', 'data')
    expect(rules.items.find((r: { id: string }) => r.id === 'paid-module-interest')).toMatchObject({
      status: 'active',
      version: 2,
    })
  })
})

describe('when an admin manages keys and webhooks', () => {
  it('makes a key that is shown once and that then signs in', async () => {
    const { page } = await visit()
    await signIn(page, 'admin')
    await page.goto('/admin/keys')
    await page.getByLabel('Whose key, for what').fill('New rep')
    await page.getByLabel('Role').selectOption('sales')
    await page.getByRole('button', { name: 'Make key' }).click()
    const secret = await page.locator('#new-key').innerText()
    expect(secret).toMatch(/^tpk_/)
    await shot(page, 'admin-keys')
    const listed = await apiGet('/api/keys', 'admin')
    expect(listed.items.map((k: { name: string }) => k.name)).toContain('New rep')
    const fresh = await visit()
    await signIn(fresh.page, 'sales', secret)
    await expect.poll(() => fresh.page.url()).toBe(`${base}/leads`)

    await page.goto('/admin/webhooks')
    await page.getByRole('textbox', { name: 'URL' }).fill('https://chat.example.test/hooks/cs')
    await page.getByRole('button', { name: 'Subscribe' }).click()
    await page.getByText('shown only this once').waitFor()
    await shot(page, 'webhooks')
  })
})

describe('when the console is opened 390 px wide', () => {
  it.each([
    ['sales', '/leads', 'inbox-390'],
    ['csm', '/alerts', 'alerts-390'],
    ['csm', '/accounts/cust-drop', 'account-390'],
    ['data', '/rules/paid-module-interest', 'rule-390'],
  ] as const)('a %s key reads %s without scrolling sideways', async (role, url, name) => {
    const { page } = await visit(390)
    await signIn(page, role)
    await page.goto(url)
    await page.waitForLoadState('load')
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - window.innerWidth',
    )
    expect(overflow).toBeLessThanOrEqual(0)
    // Every control has a name a screen reader can say.
    const unnamed = await page.evaluate<string[]>(`[...document.querySelectorAll(
      'input:not([type=hidden]), select, textarea, button')].filter((e) =>
      !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()
    ).map((e) => e.outerHTML)`)
    expect(unnamed).toEqual([])
    await shot(page, name)
  })
})
