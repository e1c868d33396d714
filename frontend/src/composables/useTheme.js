import { ref } from 'vue'
import { applyTheme, resolveTheme, storedTheme } from '../utils/theme.js'

// One theme state for the whole app: the stored choice and what it resolves to right now.
const choice = ref(storedTheme())
const resolved = ref(resolveTheme(choice.value))
let watching = false

function watchSystem() {
  if (watching || typeof window === 'undefined' || !window.matchMedia) return
  watching = true
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
    if (choice.value === 'system') resolved.value = applyTheme('system')
  })
}

/** Apply the stored theme before the app mounts (no flash of the wrong colours). */
export function initTheme() {
  resolved.value = applyTheme(choice.value)
  watchSystem()
}

export function useTheme() {
  function setTheme(value) {
    choice.value = value
    resolved.value = applyTheme(value)
  }

  /** The header switch: flip what is shown now, and keep that as the choice. */
  function toggle() {
    setTheme(resolved.value === 'dark' ? 'light' : 'dark')
  }

  return { choice, resolved, setTheme, toggle }
}
