import { describe, expect, it } from 'vitest'
import { dueFirst, isManuallyOrdered, moveId } from './useTrackers.js'

describe('dueFirst', () => {
  it('puts due trackers first and keeps the API order within each group', () => {
    const trackers = [
      { id: 1, due: false },
      { id: 2, due: true },
      { id: 3, due: false },
      { id: 4, due: true },
    ]
    expect(dueFirst(trackers).map((t) => t.id)).toEqual([2, 4, 1, 3])
  })
})

describe('manual order', () => {
  it('is on when any tracker has a position', () => {
    expect(isManuallyOrdered([{ position: null }, { position: 0 }])).toBe(true)
    expect(isManuallyOrdered([{ position: null }, {}])).toBe(false)
  })

  it('moves an id up or down and leaves the ends alone', () => {
    expect(moveId([1, 2, 3], 1, -1)).toEqual([2, 1, 3])
    expect(moveId([1, 2, 3], 1, 1)).toEqual([1, 3, 2])
    const ids = [1, 2, 3]
    expect(moveId(ids, 0, -1)).toBe(ids)
    expect(moveId(ids, 2, 1)).toBe(ids)
  })
})
