import { describe, expect, it } from 'vitest'
import { isTypingTarget, shortcutFor } from './shortcuts.js'

const key = (k, extra = {}) => ({ key: k, target: document.body, ...extra })

describe('shortcutFor', () => {
  it('maps /, n and ? to their actions', () => {
    expect(shortcutFor(key('/'))).toBe('search')
    expect(shortcutFor(key('n'))).toBe('new-tracker')
    expect(shortcutFor(key('?', { shiftKey: true }))).toBe('help')
    expect(shortcutFor(key('x'))).toBeNull()
  })

  it('ignores keys typed into fields and keys with modifiers', () => {
    const input = document.createElement('input')
    expect(shortcutFor(key('n', { target: input }))).toBeNull()
    expect(shortcutFor(key('/', { target: document.createElement('textarea') }))).toBeNull()
    expect(shortcutFor(key('n', { ctrlKey: true }))).toBeNull()
    expect(shortcutFor(key('/', { metaKey: true }))).toBeNull()
    const checkbox = Object.assign(document.createElement('input'), { type: 'checkbox' })
    expect(isTypingTarget(checkbox)).toBe(false)
    expect(shortcutFor(key('n', { target: checkbox }))).toBe('new-tracker')
  })
})
