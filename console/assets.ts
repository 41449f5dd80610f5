import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'

const require = createRequire(import.meta.url)
const own = (file: string) => path.join(import.meta.dirname, 'public', file)

// A closed list, read once at start: no path from a request ever reaches the file
// system, and a package that lost a file fails the start, not a page at run time.
const files: Record<string, { file: string; type: string }> = {
  'htmx.min.js': { file: require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript' },
  'htmx-sse.js': { file: require.resolve('htmx-ext-sse/dist/sse.min.js'), type: 'text/javascript' },
  'uplot.min.js': {
    file: require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript',
  },
  'uplot.min.css': { file: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css' },
  'console.js': { file: own('console.js'), type: 'text/javascript' },
  'charts.js': { file: own('charts.js'), type: 'text/javascript' },
  'console.css': { file: own('console.css'), type: 'text/css' },
  'favicon.svg': { file: own('favicon.svg'), type: 'image/svg+xml' },
}

/** The console's scripts, styles and icon, from npm packages and console/public/. */
export async function assetRoutes(app: FastifyInstance) {
  const loaded = new Map(
    Object.entries(files).map(([name, { file, type }]) => [
      name,
      { body: readFileSync(file), type: `${type}; charset=utf-8` },
    ]),
  )
  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = loaded.get(request.params.name)
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('no such asset')
    // An hour: the files change only with a new release, and a restart serves those.
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body)
  })
  app.get('/favicon.ico', (_request, reply) => reply.redirect('/assets/favicon.svg', 301))
}
