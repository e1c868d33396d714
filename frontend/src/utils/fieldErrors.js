// Field errors in words a person acts on ("Enter your email"), for checks made before sending and
// for the API's validation messages ("Length must be between 3 and 255.").

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** The register form's problems, all at once: { field: message }; empty when it can be sent. */
export function registerErrors(values, { needsInvitation = false, minPassword = 10 } = {}) {
  const errors = {}
  if (needsInvitation && !values.invitation?.trim()) errors.invitation = 'Enter the invitation code from your email.'
  const email = values.email?.trim() || ''
  if (!email) errors.email = 'Enter your email.'
  else if (!EMAIL.test(email)) errors.email = 'Enter an email address like name@example.com.'
  if (!values.password) errors.password = 'Choose a password.'
  else if (values.password.length < minPassword) errors.password = `Use at least ${minPassword} characters.`
  if (!values.password_confirm) errors.password_confirm = 'Type the password again.'
  else if (values.password && values.password !== values.password_confirm)
    errors.password_confirm = 'The passwords do not match.'
  return errors
}

/**
 * An API validation message for `field` in words: "Missing data for required field." becomes
 * "Enter your email.", length rules become "Use 3 to 255 characters.", others pass through.
 */
export function friendlyFieldError(field, message, labels = {}) {
  const text = String(message || '')
  const label = labels[field] || `your ${String(field).replace(/_/g, ' ')}`
  if (/missing data|required|must not be (empty|null)|field may not be null/i.test(text)) return `Enter ${label}.`
  if (field === 'email' && /length|not a valid email/i.test(text))
    return 'Enter an email address like name@example.com.'
  const between = text.match(/length must be between (\d+) and (\d+)/i)
  if (between) return `Use ${between[1]} to ${between[2]} characters.`
  const atMost = text.match(/(?:longer than maximum length|at most) (\d+)/i)
  if (atMost) return `Use at most ${atMost[1]} characters.`
  return text
}
