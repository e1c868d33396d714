// @-mention helpers for the comment composer (the API decides what a mention is; these only help typing).

const HANDLE_CHAR = /[A-Za-z0-9_]/
// An `@` starts a mention after these (not after a letter or digit: `bob@example.com`), as the API reads it.
const BEFORE_MENTION = /[\s([{<"'*_~,;:!?./-]/

/**
 * The mention being typed at `caret` in `text`: `{ start, query }` where `start` is the index of the `@`,
 * or null when the caret is not right after `@` plus handle characters.
 */
export function mentionAt(text, caret) {
  let i = caret
  while (i > 0 && HANDLE_CHAR.test(text[i - 1])) i -= 1
  if (i === 0 || text[i - 1] !== '@') return null
  const at = i - 1
  if (at > 0 && !BEFORE_MENTION.test(text[at - 1])) return null
  const query = text.slice(i, caret)
  if (query.length > 64) return null
  return { start: at, query }
}

/** `text` with the mention at `start` (up to `caret`) replaced by `@handle ` and where the caret goes next. */
export function insertMention(text, start, caret, handle) {
  const inserted = `@${handle} `
  return { text: text.slice(0, start) + inserted + text.slice(caret), caret: start + inserted.length }
}
