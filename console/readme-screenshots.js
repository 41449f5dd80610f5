// `npm run screenshots`, after the browser tests: the README's pictures of the console,
// taken on `npm run demo`'s simulated world (200 tenants, 45 days) in a temporary data
// directory, with Debian's chromium. Writes docs/screenshots/*.png.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'

const root = path.resolve(import.meta.dirname, '..')
const out = path.join(root, 'docs', 'screenshots')
const dataDir = mkdtempSync(path.join(tmpdir(), 'tenantpulse-screenshots-'))
const port = 39_000 + Math.floor(Math.random() * 900)
const base = `http://127.0.0.1:${port}`
const day = (daysAgo) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)

const demo = spawn(process.execPath, [path.join(root, 'bin', 'tenantpulse.js'), 'demo'], {
  env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
})

/** The demo's keys, from the lines it ends with. */
const keys = await new Promise((resolve, reject) => {
  let text = ''
  const timer = setTimeout(() => reject(new Error('the demo did not start in 5 minutes')), 300_000)
  demo.stdout.on('data', (chunk) => {
    text += chunk
    const found =
      /sales rep +(\S+)\n +customer success +(\S+)\n +data team +(\S+)\n +admin +(\S+)/.exec(text)
    if (found) {
      clearTimeout(timer)
      resolve({ sales: found[1], csm: found[2], data: found[3], admin: found[4] })
    }
  })
  demo.on('exit', (code) => reject(new Error(`the demo exited (${code})`)))
})

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
})
mkdirSync(out, { recursive: true })
const errors = []

async function as(role, width, fn) {
  const context = await browser.newContext({
    viewport: { width, height: width < 500 ? 844 : 900 },
    baseURL: base,
  })
  const page = await context.newPage()
  page.on(
    'console',
    (m) => m.type() === 'error' && !/status of 422/.test(m.text()) && errors.push(m.text()),
  )
  await page.goto('/signin')
  if (role === null) {
    await fn(page)
  } else {
    await page.getByLabel('API key').fill(keys[role])
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL((url) => !url.pathname.startsWith('/signin'))
    await fn(page)
  }
  await context.close()
}
// A phone's picture is its first screen; a desktop's the whole page.
const shot = (page, name) =>
  page.screenshot({ path: path.join(out, `${name}.png`), fullPage: !name.endsWith('-390') })

try {
  await as(null, 1280, (page) => shot(page, 'signin'))
  await as('sales', 1280, async (page) => {
    await page.getByLabel('Status').selectOption('any')
    await page.waitForURL(/status=any/)
    await shot(page, 'inbox')
    await page.locator('#lead-rows a').first().click()
    await page.getByRole('heading', { name: 'Why it fired' }).waitFor()
    await shot(page, 'lead')
  })
  await as('csm', 1280, async (page) => {
    await shot(page, 'alerts')
    await page.locator('article.card .meta a').first().click()
    await page.locator('.chart canvas').first().waitFor()
    await shot(page, 'account')
  })
  await as('data', 1280, async (page) => {
    await page.goto('/rules/pricing-page-revisits')
    const editor = page.getByLabel('The rule as JSON')
    const rule = JSON.parse(await editor.inputValue())
    rule.conditions.all[0].value = 3
    await editor.fill(JSON.stringify(rule, null, 2))
    await page.getByLabel('From').fill(day(40))
    await page.getByLabel('To').fill(day(10))
    await page.getByRole('button', { name: 'Backtest' }).click()
    await page.locator('#backtest-result canvas').first().waitFor({ timeout: 120_000 })
    await shot(page, 'rule-backtest')
    rule.conditions.all[0].window.days = 120
    await editor.fill(JSON.stringify(rule, null, 2))
    await page.getByRole('button', { name: 'Save as a new version' }).click()
    await page.locator('ol.code li.bad').first().waitFor()
    await shot(page, 'rule-invalid')
  })
  await as('admin', 1280, async (page) => {
    await page.goto('/admin/keys')
    await page.getByLabel('Whose key, for what').fill('Robin, new sales rep')
    await page.getByRole('button', { name: 'Make key' }).click()
    await page.locator('#new-key').waitFor()
    await shot(page, 'admin-keys')
  })
  await as('sales', 390, (page) => shot(page, 'inbox-390'))
  await as('csm', 390, (page) => shot(page, 'alerts-390'))
  if (errors.length > 0) throw new Error(`console errors: ${errors.join('; ')}`)
  process.stdout.write(`screenshots of the demo world written to ${path.relative(root, out)}/\n`)
} finally {
  await browser.close()
  demo.kill('SIGTERM')
  await new Promise((resolve) => demo.once('exit', resolve))
  rmSync(dataDir, { recursive: true, force: true })
}
