// Light or dark: "system" follows prefers-color-scheme; "light" and "dark" are a choice kept in
// localStorage. The choice lands on <html data-theme>, which styles/main.css reads.
export const THEME_KEY = 'trackbase.theme'
export const THEMES = ['system', 'light', 'dark']

export function storedTheme(storage = globalThis.localStorage) {
  try {
    const value = storage?.getItem(THEME_KEY)
    return THEMES.includes(value) ? value : 'system'
  } catch {
    return 'system'
  }
}

export function systemPrefersDark(win = globalThis.window) {
  try {
    return Boolean(win?.matchMedia?.('(prefers-color-scheme: dark)').matches)
  } catch {
    return false
  }
}

/** "light" or "dark" for a choice. */
export function resolveTheme(choice, prefersDark = systemPrefersDark()) {
  if (choice === 'light' || choice === 'dark') return choice
  return prefersDark ? 'dark' : 'light'
}

/** Put the resolved theme on <html> (and keep the choice); returns "light" or "dark". */
export function applyTheme(
  choice,
  { root = globalThis.document?.documentElement, storage = globalThis.localStorage } = {},
) {
  const resolved = resolveTheme(choice)
  if (root) root.dataset.theme = resolved
  try {
    if (choice === 'system') storage?.removeItem(THEME_KEY)
    else storage?.setItem(THEME_KEY, choice)
  } catch {
    // Private mode without storage: the theme still applies for this visit.
  }
  return resolved
}
