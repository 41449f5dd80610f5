import type { ApiRole } from '../api/api-keys.js'
import type { RouteRoles } from '../api/route-roles.js'
import { type Html, type HtmlValue, html } from './html.js'
import type { ConsoleSession } from './sessions.js'

/** The sections of the console, each shown to the roles of the API route it stands for. */
const sections = [
  { href: '/leads', label: 'Lead inbox', api: 'GET /api/leads' },
  { href: '/alerts', label: 'Alert board', api: 'GET /api/alerts' },
  { href: '/tasks', label: 'My tasks', api: 'GET /api/tasks' },
  { href: '/rules', label: 'Rules', api: 'GET /api/rules' },
  { href: '/admin/keys', label: 'API keys', api: 'GET /api/keys' },
  { href: '/admin/webhooks', label: 'Webhooks', api: 'GET /api/webhooks' },
] as const

export function sectionsFor(roles: RouteRoles, role: string) {
  return sections.filter((s) => (roles.rolesOf(s.api) as readonly string[]).includes(role))
}

export const roleNames: Record<ApiRole | 'write', string> = {
  admin: 'admin',
  sales: 'sales rep',
  csm: 'customer success',
  data: 'data team',
  write: 'write key',
}

// htmx without the parts that need inline code or store pages in the browser: no
// inline indicator styles (CSP), no eval, no history snapshots in localStorage (a page
// can show a key's secret once), and error answers are swapped in like any other so
// that their words reach the reader.
const htmxConfig = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  selfRequestsOnly: true,
  // Not style: settling copies it with setAttribute, which the CSP refuses.
  attributesToSettle: ['class', 'width', 'height'],
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '[45]..', swap: true, error: true },
  ],
})

export interface PageOptions {
  title: string
  session: ConsoleSession | null
  roles: RouteRoles
  /** The nav entry to mark as the current page. */
  current?: string
  /** Extra script and style files, e.g. the charts. */
  charts?: boolean
  body: HtmlValue
}

export function page(options: PageOptions): Html {
  const { session } = options
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${htmxConfig}">
${session && html`<meta name="csrf-token" content="${session.csrfToken}">`}
<title>${options.title} · TenantPulse</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/console.css">
${options.charts && html`<link rel="stylesheet" href="/assets/uplot.min.css">`}
<script src="/assets/htmx.min.js" defer></script>
<script src="/assets/htmx-sse.js" defer></script>
<script src="/assets/console.js" defer></script>
${options.charts && html`<script src="/assets/uplot.min.js" defer></script><script src="/assets/charts.js" defer></script>`}
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">TenantPulse</a>
  ${session && nav(options, session)}
</header>
<main id="main" tabindex="-1">
${options.body}
</main>
</body>
</html>`
}

function nav(options: PageOptions, session: ConsoleSession): Html {
  const links = sectionsFor(options.roles, session.identity.role)
  return html`<nav aria-label="Sections">
    <ul>
      ${links.map(
        (s) =>
          html`<li><a href="${s.href}"${s.href === options.current ? html` aria-current="page"` : ''}>${s.label}</a></li>`,
      )}
    </ul>
  </nav>
  ${
    (options.roles.rolesOf('GET /api/accounts/:tenantId') as readonly string[]).includes(
      session.identity.role,
    ) &&
    html`<form class="find" role="search" method="get" action="/accounts">
      <label for="find-tenant" class="visually-hidden">Open an account by tenant id</label>
      <input id="find-tenant" name="tenant" placeholder="Tenant id" required maxlength="200">
      <button type="submit" class="link">Open</button>
    </form>`
  }
  <div class="who">
    <span>${session.identity.name} <span class="role">(${roleNames[session.identity.role]})</span></span>
    <form method="post" action="/signout">
      ${csrfField(session)}
      <button type="submit" class="link">Sign out</button>
    </form>
  </div>`
}

export const csrfField = (session: ConsoleSession | null) =>
  session && html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`

/** A URL with a query string; empty values are left out. */
export function href(path: string, query: Record<string, string | number | undefined | null> = {}) {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

/** Forward-only keyset pages: the API's cursors, a link to the first page and the next. */
export function pager(
  path: string,
  query: Record<string, string | undefined>,
  nextCursor: string | null,
): Html {
  const { cursor, ...rest } = query
  if (!cursor && !nextCursor) return html``
  return html`<nav class="pager" aria-label="Pages">
    ${cursor && html`<a href="${href(path, rest)}">First page</a>`}
    ${nextCursor && html`<a href="${href(path, { ...rest, cursor: nextCursor })}" rel="next">Next page</a>`}
  </nav>`
}

const dateTime = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
})
const dateOnly = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' })

/** A time as people read it, in a <time> element that keeps the exact value. */
export function when(iso: string | null | undefined, options: { date?: boolean } = {}): Html {
  if (!iso) return html`—`
  const date = new Date(iso)
  const text = options.date ? dateOnly.format(date) : `${dateTime.format(date)} UTC`
  return html`<time datetime="${iso}">${text}</time>`
}

/** A flash message after a redirect (`?done=`), announced to screen readers. */
export function notice(text: string | undefined): Html {
  return html`<div id="notice" class="notice" role="status">${text ?? ''}</div>`
}

export function errorBox(message: string | undefined): Html {
  return message ? html`<div class="error" role="alert">${message}</div>` : html``
}
