import { describe, expect, it } from 'vitest'
import { dueFirst } from './useTrackers.js'

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
