// A live service with the demo district for the browser tests: a temporary SQLite database,
// migrated and seeded, served by gunicorn on a free port with dev-login on.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

function pythonBin() {
  if (process.env.SUISHOUPAI_PYTHON) return process.env.SUISHOUPAI_PYTHON
  const venv = join(ROOT, '.venv/bin/python')
  return existsSync(venv) ? venv : 'python3'
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => res(port))
    })
  })
}

async function waitFor(url, ms) {
  const end = Date.now() + ms
  let last
  while (Date.now() < end) {
    try {
      const r = await fetch(url)
      if (r.ok) return
      last = `HTTP ${r.status}`
    } catch (e) {
      last = e.message
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`service did not come up at ${url}: ${last}`)
}

/** Start the service (`extra`: more environment, e.g. another built console); returns {base, centre:{lat,lng}, env, stop()}. */
export async function startService(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ssp-console-e2e-'))
  const py = pythonBin()
  const env = {
    ...process.env,
    // the checkout under test is imported, not whatever the venv was installed from
    PYTHONPATH: ROOT,
    FLASK_APP: 'wsgi.py',
    SUISHOUPAI_ENV: 'development',
    SUISHOUPAI_DEV_LOGIN: '1',
    SUISHOUPAI_DATABASE_URL: `sqlite:///${join(dir, 'e2e.db')}`,
    SUISHOUPAI_MEDIA_ROOT: join(dir, 'media'),
    SUISHOUPAI_RATELIMIT_ENABLED: '0',
    ...extra,
  }
  const run = (args) => {
    const r = spawnSync(py, args, { cwd: ROOT, env, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`)
    return r.stdout
  }
  run(['-m', 'flask', 'db', 'upgrade'])
  const seeded = run(['-m', 'flask', 'demo', 'seed'])
  const m = seeded.match(/lat=([\d.]+) lng=([\d.]+)/)
  if (!m) throw new Error(`no demo centre point in the seed output:\n${seeded}`)
  const port = await freePort()
  const proc = spawn(py, ['-m', 'gunicorn', '-c', 'config/gunicorn.conf.py', 'wsgi:app'], {
    cwd: ROOT,
    env: { ...env, GUNICORN_BIND: `127.0.0.1:${port}`, GUNICORN_WORKERS: '2' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  proc.stderr.on('data', (d) => {
    log = (log + d).slice(-20000)
  })
  const base = `http://127.0.0.1:${port}`
  try {
    await waitFor(`${base}/healthz`, 60_000)
  } catch (e) {
    proc.kill()
    throw new Error(`${e.message}\n${log}`)
  }
  return {
    base,
    centre: { lat: Number(m[1]), lng: Number(m[2]) },
    log: () => log,
    /** One SQL statement on the service's database: for what only an outside party does (a provider's verdict). */
    sql(statement) {
      const code = 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()'
      run(['-c', code, join(dir, 'e2e.db'), statement])
    },
    stop() {
      proc.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
