import { describe, expect, it } from 'vitest'
import {
  currentPeriodLabel,
  displayValue,
  formatDuration,
  parseDuration,
  timeAgo,
  toLocalInput,
} from './trackerValues.js'

describe('durations', () => {
  it.each([
    ['1h 29m', 5340],
    ['90m', 5400],
    ['1:29', 5340],
    ['1:29:05', 5345],
    ['5400', 5400],
    ['2 hours 5 minutes', 7500],
    ['1.5h', 5400],
    [45, 45],
  ])('reads %s as %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds)
  })

  it.each(['', 'soon', '1h 1h', '5 parsecs', '1h x', -3])('rejects %s', (input) => {
    expect(parseDuration(input)).toBeNull()
  })

  it('formats seconds like the API reads them', () => {
    expect(formatDuration(5340)).toBe('1h 29m')
    expect(formatDuration(0)).toBe('0s')
    expect(formatDuration(93784)).toBe('1d 2h 3m 4s')
  })
})

describe('displayValue', () => {
  it('fits each type', () => {
    expect(displayValue({ type: 'boolean' }, true)).toBe('Yes')
    expect(displayValue({ type: 'numeric', settings: { unit: 'kg' } }, 72.5)).toBe('72.5 kg')
    expect(displayValue({ type: 'rating', settings: { scale: 5 } }, 3)).toBe('★★★☆☆')
    expect(displayValue({ type: 'duration' }, 5340)).toBe('1h 29m')
    expect(displayValue({ type: 'choice' }, 'Tea')).toBe('Tea')
    expect(displayValue({ type: 'text' }, null)).toBe('—')
  })
})

describe('time helpers', () => {
  it('shows a timestamp on the wall clock of a time zone', () => {
    expect(toLocalInput('2026-07-01T12:00:00Z', 'America/New_York')).toBe('2026-07-01T08:00')
    expect(toLocalInput('2026-12-31T23:30:00Z', 'Europe/Helsinki')).toBe('2027-01-01T01:30')
  })

  it('says how long ago', () => {
    const now = Date.parse('2026-11-22T12:00:00Z')
    expect(timeAgo('2026-11-22T09:00:00Z', now)).toBe('3 hours ago')
    expect(timeAgo(null, now)).toBe('never')
  })

  it('names the current period', () => {
    expect(currentPeriodLabel('daily')).toBe('today')
    expect(currentPeriodLabel('weekly')).toBe('this week')
  })
})

describe('chart formatting', () => {
  it('reads durations as hours and minutes, yes/no as words and ratings as stars', async () => {
    const { chartValue, formatDurationShort } = await import('./trackerValues.js')
    expect(formatDurationShort(24420)).toBe('6h 47m')
    expect(formatDurationShort(18000)).toBe('5h')
    expect(chartValue({ type: 'duration' }, 24420)).toBe('6h 47m')
    expect(chartValue({ type: 'boolean' }, 1)).toBe('Yes')
    expect(chartValue({ type: 'boolean' }, 0)).toBe('No')
    expect(chartValue({ type: 'boolean' }, 0.6)).toBe('60% yes')
    expect(chartValue({ type: 'rating' }, 3.5)).toBe('3.5 ★')
    expect(chartValue({ type: 'numeric', settings: { unit: 'kg' } }, 72.456)).toBe('72.46 kg')
  })

  it('starts the month view at the first month with data', async () => {
    const { chartBuckets } = await import('./trackerValues.js')
    const buckets = [{ count: 0 }, { count: 0 }, { count: 2 }, { count: 0 }, { count: 1 }]
    expect(chartBuckets({ bucket: 'month', buckets })).toEqual(buckets.slice(2))
    expect(chartBuckets({ bucket: 'day', buckets })).toEqual(buckets)
  })
})
