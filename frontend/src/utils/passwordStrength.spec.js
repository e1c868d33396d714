import { describe, expect, it } from 'vitest'
import { localStrength } from './passwordStrength.js'

describe('localStrength', () => {
  it('asks for 10 characters first', () => {
    expect(localStrength('abc')).toMatchObject({ ok: false, message: 'Use at least 10 characters.' })
  })

  it('refuses the email, its words and the name', () => {
    const details = { email: 'ada.lovelace@example.com', name: 'Ada Byron' }
    expect(localStrength('Ada-Lovelace-2026', details).ok).toBe(false)
    expect(localStrength('ada.lovelace@example.com!', details).ok).toBe(false)
    expect(localStrength('Byron-rules-99!', details).message).toBe(
      'Do not use your email address or name in the password.',
    )
  })

  it('calls common words weak and mixed long ones strong', () => {
    expect(localStrength('password1234').ok).toBe(false)
    expect(localStrength('aaaaaaaaaaaa').ok).toBe(false)
    expect(localStrength('violet-Tunnel-87')).toMatchObject({ ok: true, message: null })
  })
})
