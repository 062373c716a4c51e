// Times as people read them on a desk: 剩余 2 小时, 超时 1 天, 2026-12-07 14:03.

const MINUTE = 60
const HOUR = 3600
const DAY = 86400

function span(seconds: number): string {
  if (seconds >= DAY) return `${Math.floor(seconds / DAY)} 天`
  if (seconds >= HOUR) return `${Math.floor(seconds / HOUR)} 小时`
  return `${Math.max(1, Math.floor(seconds / MINUTE))} 分钟`
}

/** "剩余 2 小时" while time is left, "超时 1 天" once over; null/undefined has no clock. */
export function timeLeft(secondsLeft: number | null | undefined): string {
  if (secondsLeft === null || secondsLeft === undefined || Number.isNaN(secondsLeft)) return '—'
  return secondsLeft >= 0 ? `剩余 ${span(secondsLeft)}` : `超时 ${span(-secondsLeft)}`
}

/** Seconds from `now` until an ISO due time (negative once past). */
export function secondsUntil(iso: string | null | undefined, now: Date = new Date()): number | null {
  if (!iso) return null
  const t = Date.parse(iso)
  return Number.isNaN(t) ? null : Math.round((t - now.getTime()) / 1000)
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** Local wall-clock time, to the minute. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** The tag colour Element Plus uses for a clock: over → danger, last quarter-day → warning. */
export function clockType(secondsLeft: number | null | undefined): 'danger' | 'warning' | 'success' | 'info' {
  if (secondsLeft === null || secondsLeft === undefined) return 'info'
  if (secondsLeft < 0) return 'danger'
  if (secondsLeft < 6 * HOUR) return 'warning'
  return 'success'
}

function isoWithOffset(d: Date): string {
  const off = -d.getTimezoneOffset()
  const sign = off >= 0 ? '+' : '-'
  const a = Math.abs(off)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:00${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`
}

/** Picked days [first, last] → the API's range: from the first day's midnight to the midnight after the last (exclusive). */
export function dayRangeToApi(first: string, last: string): { from: string; to: string } {
  const [y1, m1, d1] = first.split('-').map(Number)
  const [y2, m2, d2] = last.split('-').map(Number)
  return { from: isoWithOffset(new Date(y1, m1 - 1, d1)), to: isoWithOffset(new Date(y2, m2 - 1, d2 + 1)) }
}

/** The API's range back to the picked days, for showing a saved or linked filter. */
export function apiToDayRange(from: string, to: string): [string, string] | null {
  const a = new Date(from)
  const b = new Date(to)
  if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime())) return null
  b.setTime(b.getTime() - 1)
  const day = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
  return [day(a), day(b)]
}
