import { describe, expect, it } from 'vitest'
import { pickupCodeOf } from '../src/lib/pickup'

describe('scanned pickup codes', () => {
  it('takes the six digits a QR or barcode holds, spaces around them aside', () => {
    expect(pickupCodeOf('042917')).toBe('042917')
    expect(pickupCodeOf(' 042917\n')).toBe('042917')
  })

  it('refuses anything else instead of guessing', () => {
    for (const text of ['42917', '0429170', 'https://example.invalid/r/042917', '04 2917', '', 'ABCDEF']) {
      expect(pickupCodeOf(text)).toBeNull()
    }
  })
})
