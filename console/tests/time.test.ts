import { describe, expect, it } from 'vitest'
import { apiToDayRange, clockType, dayRangeToApi, formatTime, secondsUntil, timeLeft } from '../src/lib/time'

describe('timeLeft', () => {
  it('reads time left and time over as people say it', () => {
    expect(timeLeft(2 * 3600 + 59)).toBe('剩余 2 小时')
    expect(timeLeft(-86400)).toBe('超时 1 天')
    expect(timeLeft(-3 * 86400 - 5)).toBe('超时 3 天')
    expect(timeLeft(25 * 60)).toBe('剩余 25 分钟')
    expect(timeLeft(10)).toBe('剩余 1 分钟')
    expect(timeLeft(0)).toBe('剩余 1 分钟')
    expect(timeLeft(-90 * 60)).toBe('超时 1 小时')
  })

  it('has no clock without a deadline', () => {
    expect(timeLeft(null)).toBe('—')
    expect(timeLeft(undefined)).toBe('—')
  })
})

describe('secondsUntil', () => {
  it('counts down to a due time and below zero after it', () => {
    const now = new Date('2026-12-07T10:00:00+08:00')
    expect(secondsUntil('2026-12-07T12:00:00+08:00', now)).toBe(7200)
    expect(secondsUntil('2026-12-06T10:00:00+08:00', now)).toBe(-86400)
    expect(secondsUntil(null, now)).toBeNull()
    expect(secondsUntil('not a date', now)).toBeNull()
  })
})

describe('clockType and formatTime', () => {
  it('colours over, nearly over and comfortable clocks apart', () => {
    expect(clockType(-1)).toBe('danger')
    expect(clockType(3600)).toBe('warning')
    expect(clockType(2 * 86400)).toBe('success')
    expect(clockType(null)).toBe('info')
  })

  it('formats to the minute and survives junk', () => {
    expect(formatTime('2026-01-02T03:04:59')).toBe('2026-01-02 03:04')
    expect(formatTime('garbage')).toBe('—')
    expect(formatTime(null)).toBe('—')
  })
})

describe('date range filter', () => {
  it('sends whole local days, the end exclusive, and reads them back', () => {
    const r = dayRangeToApi('2026-12-01', '2026-12-07')
    expect(new Date(r.from).getTime()).toBe(new Date(2026, 11, 1).getTime())
    expect(new Date(r.to).getTime()).toBe(new Date(2026, 11, 8).getTime())
    expect(r.from).toMatch(/^2026-12-01T00:00:00[+-]\d\d:\d\d$/)
    expect(apiToDayRange(r.from, r.to)).toEqual(['2026-12-01', '2026-12-07'])
    expect(dayRangeToApi('2026-12-31', '2026-12-31').to).toMatch(/^2027-01-01T00:00:00/)
    expect(apiToDayRange('x', 'y')).toBeNull()
  })
})
