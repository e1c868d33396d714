// A small first estimate of password strength while the server's answer is on its way. The server
// (zxcvbn, score 0-4) is the authority; this only avoids a meter that lags behind the typing.

export const MIN_PASSWORD_LENGTH = 10

const COMMON = ['password', 'qwerty', 'azerty', '123456', 'letmein', 'welcome', 'admin', 'iloveyou', 'trackbase']

export const STRENGTH_LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong']

/** { score 0-4, ok, message } for a password, judged without the server. */
export function localStrength(password, { email = '', name = '' } = {}) {
  const value = String(password || '')
  // As the server: the address, its local part and each word of the name (4+ letters), without punctuation.
  const alnum = (text) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '')
  const folded = alnum(value)
  const address = email.trim()
  const personal = [alnum(address), alnum(address.split('@')[0]), ...name.split(/[^\p{L}\p{N}]+/u).map(alnum)].filter(
    (word) => word.length >= 4,
  )
  if (value.length < MIN_PASSWORD_LENGTH) {
    return {
      score: Math.min(1, Math.floor(value.length / 6)),
      ok: false,
      message: `Use at least ${MIN_PASSWORD_LENGTH} characters.`,
    }
  }
  if (personal.some((word) => folded.includes(word))) {
    return { score: 1, ok: false, message: 'Do not use your email address or name in the password.' }
  }
  if (COMMON.some((word) => value.toLowerCase().includes(word)) || new Set(value).size < 5) {
    return { score: 1, ok: false, message: 'This password is too easy to guess. Add a few more words or characters.' }
  }
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(value)).length
  const score = Math.min(4, (value.length >= 14 ? 2 : 1) + (kinds >= 3 ? 2 : kinds >= 2 ? 1 : 0))
  return { score, ok: score >= 3, message: score >= 3 ? null : 'Add a few more words or characters.' }
}
