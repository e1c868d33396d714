// Keyboard shortcuts of the signed-in app; none of them fires while typing in a field.
export const SHORTCUTS = [
  { key: '/', action: 'search', label: 'Search everything (the header search)' },
  { key: 'n', action: 'new-tracker', label: 'New tracker' },
  { key: '?', action: 'help', label: 'Show these shortcuts' },
  { key: 'Esc', action: null, label: 'Close a dialog or drawer' },
]

/** True when the key goes to something the user is typing in. */
export function isTypingTarget(target) {
  if (!target || typeof target !== 'object') return false
  if (target.isContentEditable) return true
  const tag = String(target.tagName || '').toLowerCase()
  if (tag === 'textarea' || tag === 'select') return true
  if (tag !== 'input') return false
  const type = String(target.type || 'text').toLowerCase()
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'file', 'range', 'color'].includes(type)
}

/** The action a keydown asks for ("search", "new-tracker", "help"), or null. */
export function shortcutFor(event) {
  if (!event || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
    return null
  }
  if (isTypingTarget(event.target)) return null
  if (event.key === '/') return 'search'
  if (event.key === '?') return 'help'
  if (event.key === 'n' || event.key === 'N') return event.shiftKey ? null : 'new-tracker'
  return null
}
