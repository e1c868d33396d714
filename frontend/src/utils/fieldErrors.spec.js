import { describe, expect, it } from 'vitest'
import { friendlyFieldError, registerErrors } from './fieldErrors.js'

describe('registerErrors', () => {
  it('lists every problem at once', () => {
    expect(registerErrors({ email: '', password: '', password_confirm: '' }, { needsInvitation: true })).toEqual({
      invitation: 'Enter the invitation code from your email.',
      email: 'Enter your email.',
      password: 'Choose a password.',
      password_confirm: 'Type the password again.',
    })
  })

  it('checks the address, the length and the match', () => {
    expect(registerErrors({ email: 'nobody', password: 'abc', password_confirm: 'abd' })).toEqual({
      email: 'Enter an email address like name@example.com.',
      password: 'Use at least 10 characters.',
      password_confirm: 'The passwords do not match.',
    })
    expect(registerErrors({ email: 'a@b.co', password: 'long-enough', password_confirm: 'long-enough' })).toEqual({})
  })
})

describe('friendlyFieldError', () => {
  it('turns validation jargon into words', () => {
    expect(friendlyFieldError('email', 'Missing data for required field.')).toBe('Enter your email.')
    expect(friendlyFieldError('email', 'Length must be between 3 and 255.')).toBe(
      'Enter an email address like name@example.com.',
    )
    expect(friendlyFieldError('name', 'Length must be between 1 and 120.')).toBe('Use 1 to 120 characters.')
    expect(friendlyFieldError('invitation', 'This invitation was revoked.')).toBe('This invitation was revoked.')
  })
})
