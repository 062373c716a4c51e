// Only for a service that does not serve /console/ itself yet: the built console from dist/,
// with /api and /media passed through to the service unchanged.
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, request } from 'node:http'
import { extname, join, normalize, resolve } from 'node:path'

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' }

export function serveConsole(dist, upstream) {
  const up = new URL(upstream)
  const server = createServer((req, res) => {
    if (!req.url.startsWith('/console')) {
      const p = request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers: { ...req.headers, host: up.host } }, (r) => {
        res.writeHead(r.statusCode, r.headers)
        r.pipe(res)
      })
      p.on('error', () => res.writeHead(502).end())
      req.pipe(p)
      return
    }
    const rel = normalize(decodeURIComponent(req.url.split('?')[0]).replace(/^\/console\/?/, ''))
    let file = resolve(join(dist, rel))
    if (!file.startsWith(resolve(dist)) || !existsSync(file) || statSync(file).isDirectory()) file = join(dist, 'index.html')
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(res)
  })
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res({ base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() })))
}
