import { describe, expect, it } from 'vitest'
import { formatPrice, parseTags, timeAgo } from './products.js'

describe('product display helpers', () => {
  it('formats prices with two decimals and a dash for none', () => {
    expect(formatPrice(null)).toBe('—')
    expect(formatPrice(12.5)).toMatch(/^12[.,]50$/)
  })

  it('says how long ago in the largest whole unit', () => {
    const now = Date.parse('2026-12-01T12:00:00Z')
    expect(timeAgo('2026-12-01T11:59:30Z', now)).toBe('just now')
    expect(timeAgo('2026-12-01T11:45:00Z', now)).toBe('15 min ago')
    expect(timeAgo('2026-12-01T09:00:00Z', now)).toBe('3 h ago')
    expect(timeAgo('2026-11-28T12:00:00Z', now)).toBe('3 d ago')
    expect(timeAgo(null, now)).toBe('—')
  })

  it('parses comma-separated tags like the API normalises them', () => {
    expect(parseTags(' Energy ,fixed   income,, energy')).toEqual(['energy', 'fixed income'])
    expect(parseTags('')).toEqual([])
  })
})
