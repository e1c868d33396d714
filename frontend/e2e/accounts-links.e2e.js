// Links from account emails, checked on arrival: an invitation fills in and locks the invited address
// (or says at once that it was used), the register form lists its problems in words with a live
// password strength meter, and a reset link that has expired or was used says so before asking for
// two passwords. Desktop and phone, with axe-core on each state.
import {
  createInvitationViaApi,
  expect,
  expectNoSeriousAxeViolations,
  resetTokenIssuedAgo,
  snap,
  test,
  uniqueEmail,
} from './fixtures.js'

const sizes = [
  { name: 'desktop', viewport: { width: 1366, height: 850 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
]

for (const size of sizes) {
  test.describe(`account links on ${size.name}`, () => {
    test.use({ viewport: size.viewport })

    test(`register by invitation: locked address, errors in words, strength meter, used code (${size.name})`, async ({
      page,
      request,
    }) => {
      const email = uniqueEmail(`invited-${size.name}`)
      const invitation = await createInvitationViaApi(request, email)
      await page.goto(`/register?code=${invitation.code}`)

      const emailField = page.getByLabel('Email')
      await expect(emailField).toHaveValue(email)
      await expect(emailField).toHaveAttribute('readonly', '')
      await expect(page.getByText(`as ${email}`)).toBeVisible()
      await expectNoSeriousAxeViolations(page, `register, ${size.name}`)

      await page.getByRole('button', { name: 'Create account' }).click()
      await expect(page.getByText('Choose a password.')).toBeVisible()
      await expect(page.getByText('Type the password again.')).toBeVisible()
      await expect(page.getByText('Enter your email.')).toHaveCount(0)
      await snap(page, `register-invited-errors-${size.name}`)

      const password = page.getByLabel('Password', { exact: true })
      const meter = page.getByTestId('password-strength')
      await password.fill('password')
      await expect(meter).toContainText('Use at least 10 characters.')
      await password.fill('1234567890')
      await expect(meter).toContainText('too easy to guess')
      await password.fill('violet-tunnel-87')
      await expect(meter).toContainText('Good to use.')
      await expect(meter).toContainText(/Password strength: (Strong|Very strong)/)
      await snap(page, `register-invited-strength-${size.name}`)
      await expectNoSeriousAxeViolations(page, `register with errors and meter, ${size.name}`)

      await page.getByLabel('Confirm password').fill('violet-tunnel-87')
      await page.getByRole('button', { name: 'Create account' }).click()
      await expect(page.locator('.app-shell')).toBeVisible()

      // The same link again, signed out: it says at once that it was used, and offers no form.
      await page.evaluate(() => localStorage.clear())
      await page.goto(`/register?code=${invitation.code}`)
      await expect(page.getByText('This invitation was already used.')).toBeVisible()
      await expect(page.getByLabel('Email')).toHaveCount(0)
      await expect(page.getByRole('link', { name: 'Go to sign in' })).toBeVisible()
      await snap(page, `register-used-code-${size.name}`)
      await expectNoSeriousAxeViolations(page, `used invitation, ${size.name}`)
    })

    test(`reset link: expired and used links say so on arrival (${size.name})`, async ({ page, request }) => {
      const email = uniqueEmail(`reset-${size.name}`)
      const invitation = await createInvitationViaApi(request, email)
      const registered = await request.post('/api/auth/register', {
        data: { email, password: 'amber-harbour-42', invitation: invitation.code },
      })
      expect(registered.ok()).toBeTruthy()

      await page.goto(`/reset?token=${resetTokenIssuedAgo(email, 3)}`)
      await expect(page.getByText('Expired link', { exact: true })).toBeVisible()
      await expect(page.getByText(/^This reset link has expired\. Ask for a new one/)).toBeVisible()
      await expect(page.getByLabel('New password', { exact: true })).toHaveCount(0)
      await expect(page.getByRole('link', { name: 'Request a new link' })).toBeVisible()
      await snap(page, `reset-expired-${size.name}`)
      await expectNoSeriousAxeViolations(page, `expired reset link, ${size.name}`)

      const fresh = resetTokenIssuedAgo(email, 0)
      await page.goto(`/reset?token=${fresh}`)
      await expect(page.getByText(/This link works until/)).toBeVisible()
      await page.getByLabel('New password', { exact: true }).fill('cobalt-meadow-58')
      await expect(page.getByTestId('password-strength')).toContainText('Good to use.')
      await page.getByLabel('Confirm new password').fill('cobalt-meadow-58')
      await snap(page, `reset-valid-${size.name}`)
      await page.getByRole('button', { name: 'Set new password' }).click()
      await expect(page.getByText('Your password has been reset.')).toBeVisible()

      await page.goto(`/reset?token=${fresh}`)
      await expect(page.getByText('Link already used', { exact: true })).toBeVisible()
      await expect(page.getByText(/^This reset link was already used/)).toBeVisible()
      await expect(page.getByLabel('New password', { exact: true })).toHaveCount(0)
      await snap(page, `reset-used-${size.name}`)
    })
  })
}

test('sign out everywhere ends this session and every other one', async ({ page, request }) => {
  const email = uniqueEmail('everywhere')
  const invitation = await createInvitationViaApi(request, email)
  const password = 'garnet-valley-63'
  expect((await request.post('/api/auth/register', { data: { email, password, invitation: invitation.code } })).ok()).toBeTruthy()
  const other = (await (await request.post('/api/auth/login', { data: { email, password } })).json()).token
  expect((await request.get('/api/me', { headers: { 'Authentication-Token': other } })).status()).toBe(200)

  await page.goto('/login')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.locator('.app-shell')).toBeVisible()
  await page.goto('/settings')
  await page.getByRole('button', { name: 'Sign out everywhere' }).click()
  await expect(page).toHaveURL(/\/login/)
  expect((await request.get('/api/me', { headers: { 'Authentication-Token': other } })).status()).toBe(401)
  await page.goto('/settings')
  await expect(page).toHaveURL(/\/login/)
})
