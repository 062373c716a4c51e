// What a scanned pickup QR or barcode means: the redeemer's six-digit code, as it is typed.

/** The six-digit pickup code a QR or barcode holds, or null for anything else. */
export function pickupCodeOf(text: string): string | null {
  const m = /^\s*(\d{6})\s*$/.exec(text)
  return m ? m[1] : null
}
