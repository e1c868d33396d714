import { nextTick, onBeforeUnmount, onMounted } from 'vue'

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',')

/** The elements Tab can reach inside `root`, in order (hidden ones left out). */
export function focusableIn(root) {
  if (!root) return []
  return [...root.querySelectorAll(FOCUSABLE)].filter((el) => !el.closest('[hidden]') && el.getClientRects().length)
}

/**
 * A modal's keyboard contract: focus moves into `container` when it opens, Tab and Shift+Tab cycle
 * inside it, Escape calls `onEscape`, and focus goes back to what had it before (the opener) when
 * it closes. `container` is a template ref.
 */
export function useFocusTrap(container, { onEscape } = {}) {
  let opener = null

  function onKeydown(event) {
    const root = container.value
    if (!root) return
    if (event.key === 'Escape' && onEscape) {
      event.preventDefault()
      onEscape()
      return
    }
    if (event.key !== 'Tab') return
    const items = focusableIn(root)
    if (!items.length) {
      event.preventDefault()
      root.focus()
      return
    }
    const first = items[0]
    const last = items[items.length - 1]
    const active = document.activeElement
    const inside = root.contains(active)
    if (event.shiftKey && (active === first || active === root || !inside)) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && (active === last || !inside)) {
      event.preventDefault()
      first.focus()
    }
  }

  onMounted(async () => {
    opener = document.activeElement
    document.addEventListener('keydown', onKeydown)
    await nextTick()
    container.value?.focus()
  })

  onBeforeUnmount(() => {
    document.removeEventListener('keydown', onKeydown)
    if (opener && typeof opener.focus === 'function' && document.contains(opener)) opener.focus()
  })
}
