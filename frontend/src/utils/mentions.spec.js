import { describe, expect, it } from 'vitest'
import { insertMention, mentionAt } from './mentions.js'

describe('mentionAt', () => {
  it('finds the handle being typed after an @', () => {
    expect(mentionAt('hi @ad', 6)).toEqual({ start: 3, query: 'ad' })
    expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' })
    expect(mentionAt('(@bo', 4)).toEqual({ start: 1, query: 'bo' })
  })

  it('ignores email addresses and carets away from a mention', () => {
    expect(mentionAt('bob@exa', 7)).toBeNull()
    expect(mentionAt('hi @ada there', 13)).toBeNull()
    expect(mentionAt('no mention', 5)).toBeNull()
  })

  it('reads only up to the caret', () => {
    expect(mentionAt('@adalovelace', 4)).toEqual({ start: 0, query: 'ada' })
  })
})

describe('insertMention', () => {
  it('replaces the typed part with the full handle and a space', () => {
    expect(insertMention('hi @ad and', 3, 6, 'adalovelace')).toEqual({ text: 'hi @adalovelace  and', caret: 16 })
  })
})
