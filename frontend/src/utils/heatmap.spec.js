import { describe, expect, it } from 'vitest'
import { heatLevel, heatmapWeeks } from './heatmap.js'

const day = (label, count = 0, mean = null) => ({ label, count, mean })

describe('heatmapWeeks', () => {
  it('puts each day in its weekday row, Monday first, one column per week', () => {
    // 2026-11-26 is a Thursday.
    const weeks = heatmapWeeks([day('2026-11-26', 1, 1), day('2026-11-29'), day('2026-11-30', 2, 1)], {
      type: 'boolean',
    })
    expect(weeks).toHaveLength(2)
    expect(weeks[0].cells.map((c) => c?.date || null)).toEqual([
      null,
      null,
      null,
      '2026-11-26',
      null,
      null,
      '2026-11-29',
    ])
    expect(weeks[1].cells[0].date).toBe('2026-11-30')
  })

  it('labels the week in which a month starts', () => {
    const labels = ['2026-11-30', '2026-12-01', '2026-12-07'].map((l) => day(l))
    const weeks = heatmapWeeks(labels, { type: 'text' }, 'en-GB')
    expect(weeks.map((w) => w.month)).toEqual(['Dec', ''])
  })
})

describe('heatLevel', () => {
  it('is zero for a day without logs and -1 for a day of only "No"', () => {
    expect(heatLevel(day('2026-11-26'), { type: 'boolean' }, {})).toBe(0)
    expect(heatLevel(day('2026-11-26', 1, 0), { type: 'boolean' }, {})).toBe(-1)
    expect(heatLevel(day('2026-11-26', 2, 1), { type: 'boolean' }, {})).toBe(1)
  })

  it('scales numbers between the range minimum and maximum', () => {
    const range = { min: 10, max: 20, maxCount: 3 }
    expect(heatLevel(day('2026-11-26', 1, 10), { type: 'numeric' }, range)).toBe(0.25)
    expect(heatLevel(day('2026-11-26', 1, 20), { type: 'numeric' }, range)).toBe(1)
    expect(heatLevel(day('2026-11-26', 1, 4), { type: 'rating', settings: { scale: 5 } }, range)).toBe(0.8)
  })
})
