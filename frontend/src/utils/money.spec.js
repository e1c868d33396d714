import { describe, expect, it } from 'vitest'
import { formatCents } from './money.js'

describe('formatCents', () => {
  it('shows cents as units of the currency', () => {
    expect(formatCents(1250, 'EUR')).toMatch(/12[.,]50/)
    expect(formatCents(1250, 'EUR')).toMatch(/€|EUR/)
  })

  it('shows a dash when there is no price', () => {
    expect(formatCents(null)).toBe('—')
  })
})
