import { describe, expect, it } from 'vitest'
import { THEME_KEY, applyTheme, resolveTheme, storedTheme } from './theme.js'

function memoryStorage() {
  const data = new Map()
  return {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => data.set(k, String(v)),
    removeItem: (k) => data.delete(k),
  }
}

describe('theme', () => {
  it('follows the device unless a choice is stored', () => {
    expect(resolveTheme('system', true)).toBe('dark')
    expect(resolveTheme('system', false)).toBe('light')
    expect(resolveTheme('light', true)).toBe('light')
    expect(resolveTheme('dark', false)).toBe('dark')
  })

  it('keeps a choice, forgets "system", and marks <html>', () => {
    const storage = memoryStorage()
    const root = document.createElement('html')
    expect(applyTheme('dark', { root, storage })).toBe('dark')
    expect(root.dataset.theme).toBe('dark')
    expect(storage.getItem(THEME_KEY)).toBe('dark')
    expect(storedTheme(storage)).toBe('dark')
    applyTheme('system', { root, storage })
    expect(storage.getItem(THEME_KEY)).toBeNull()
    expect(storedTheme(storage)).toBe('system')
    storage.setItem(THEME_KEY, 'purple')
    expect(storedTheme(storage)).toBe('system')
  })
})
