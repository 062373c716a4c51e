// The mini-program's side of the walk, through the same API: residents filing, staff approving.
import { execFileSync } from 'node:child_process'

export class Api {
  constructor(base) {
    this.base = `${base}/api/v1`
  }

  async call(method, path, { token, body, form } = {}) {
    const headers = { Accept: 'application/json' }
    if (token) headers.Authorization = `Bearer ${token}`
    let payload
    if (form) payload = form
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      payload = JSON.stringify(body)
    }
    const r = await fetch(this.base + path, { method, headers, body: payload })
    const text = await r.text()
    const data = text ? JSON.parse(text) : null
    if (!r.ok) throw new Error(`${method} ${path} → ${r.status} ${text}`)
    return data
  }

  async login(openid) {
    return (await this.call('POST', '/auth/dev-login', { body: { openid } })).token
  }

  /** One small photo uploaded as `token`'s own → its media id. */
  async upload(token, seed) {
    const form = new FormData()
    form.append('file', new Blob([tinyJpeg(seed)], { type: 'image/jpeg' }), 'photo.jpg')
    return (await this.call('POST', '/media', { token, form })).id
  }

  /** A resident files a report with one small photo, as the mini-program does. */
  async fileReport(openid, { lat, lng, description, category }) {
    const token = await this.login(openid)
    const form = new FormData()
    form.append('file', new Blob([tinyJpeg(description)], { type: 'image/jpeg' }), 'photo.jpg')
    const media = await this.call('POST', '/media', { token, form })
    const cats = await this.call('GET', '/categories', { token })
    const code = category ?? cats[0].code
    return this.call('POST', '/reports', {
      token,
      body: { category: code, description, location: { lat, lng, coord_type: 'gcj02' }, media_ids: [media.id] },
    })
  }
}

/** A small JPEG whose picture differs with `seed`, so photo-duplicate checks do not tie the cases together. */
export function tinyJpeg(seed) {
  const py = process.env.SUISHOUPAI_PYTHON || 'python3'
  const script = `
import io, sys, hashlib
from PIL import Image, ImageDraw
h = hashlib.sha256(sys.argv[1].encode()).digest()
im = Image.new("RGB", (96, 96), (h[0], h[1], h[2]))
d = ImageDraw.Draw(im)
for i in range(0, 24, 3):
    d.rectangle([h[i] % 80, h[i + 1] % 80, h[i] % 80 + 16, h[i + 1] % 80 + 16], fill=(h[i + 2], h[i], h[i + 1]))
buf = io.BytesIO(); im.save(buf, "JPEG", quality=85); sys.stdout.buffer.write(buf.getvalue())
`
  return execFileSync(py, ['-c', script, seed])
}
