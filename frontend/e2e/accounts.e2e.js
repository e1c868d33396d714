import { admin, expect, signIn, signOut, test, uniqueEmail, waitForMail } from './fixtures.js'

test('a wrong password shows an error and keeps the visitor on the login page', async ({ page }) => {
  await page.goto('/login')
  await page.getByLabel('Email').fill(admin.email)
  await page.getByLabel('Password', { exact: true }).fill('not-the-password')
  await page.getByRole('button', { name: 'Sign in' }).click()

  await expect(page.getByRole('alert').first()).toContainText(/invalid|incorrect|password/i)
  await expect(page).toHaveURL(/\/login/)
  await expect(page.locator('.app-shell')).toHaveCount(0)
})

test('a private page sends a signed-out visitor to login and back after signing in', async ({ page }) => {
  await page.goto('/settings')
  await expect(page).toHaveURL(/\/login\?next=(%2F|\/)settings$/)
  await page.getByLabel('Email').fill(admin.email)
  await page.getByLabel('Password', { exact: true }).fill(admin.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page).toHaveURL(/\/settings$/)
  await expect(page.getByRole('heading', { name: 'Settings', exact: true })).toBeVisible()
})

test('a stored token that no longer works leads to login, keeping the page asked for', async ({ page }) => {
  await page.goto('/login')
  await page.evaluate(() => window.localStorage.setItem('trackbase.token', 'expired-or-forged-token'))
  await page.goto('/jobs')
  await expect(page).toHaveURL(/\/login\?next=(%2F|\/)jobs$/)
  expect(await page.evaluate(() => window.localStorage.getItem('trackbase.token'))).toBeNull()
})

test('admin invites, the new member registers from the link, changes settings and logs out', async ({ page }) => {
  const email = uniqueEmail('member')
  const password = 'correct-horse-battery'

  // The admin creates the invitation in the admin page.
  await signIn(page, admin.email, admin.password)
  await page.getByRole('link', { name: 'Admin' }).click()
  await expect(page).toHaveURL(/\/admin\/invitations/)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Role').selectOption('member')
  await page.getByRole('button', { name: 'Send invitation' }).click()
  const link = await page.getByTestId('invitation-link').inputValue()
  expect(link).toMatch(/\/register\?code=/)
  const row = page.locator(`tr[data-email="${email}"]`)
  await expect(row).toContainText('Pending')
  await signOut(page)

  // The invited person opens the link and registers; the app signs them in.
  await page.goto(link)
  await expect(page.getByText('You have been invited')).toBeVisible()
  await page.getByLabel('Your name').fill('Grace')
  await expect(page.getByLabel('Email')).toHaveValue(email) // filled in from the invitation, locked
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByLabel('Confirm password').fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page).toHaveURL(/\/trackers$/)
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0)
  await signOut(page)

  // They sign in with the new credentials and change their settings.
  await signIn(page, email, password)
  await page.goto('/settings')
  await expect(page.getByLabel('Display name')).toHaveValue('Grace')
  await page.getByLabel('Display name').fill('Grace Hopper')
  await page.getByLabel('Time zone').fill('America/New_York')
  await page.getByLabel('Reminder hour').selectOption('7')
  await page.getByLabel('Quiet hours from').selectOption('22')
  await page.getByLabel('until').selectOption('6')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Your settings have been saved.')).toBeVisible()

  // A fresh load shows what the server stored.
  await page.reload()
  await expect(page.getByLabel('Display name')).toHaveValue('Grace Hopper')
  await expect(page.getByLabel('Time zone')).toHaveValue('America/New_York')
  await expect(page.getByLabel('Reminder hour')).toHaveValue('7')
  await expect(page.getByLabel('Quiet hours from')).toHaveValue('22')
  await expect(page.getByLabel('until')).toHaveValue('6')
  await expect(page.locator('.user-menu__trigger')).toContainText('Grace Hopper')

  await signOut(page)
  await page.goto('/settings')
  await expect(page).toHaveURL(/\/login/)

  // The admin sees the invitation used.
  await signIn(page, admin.email, admin.password)
  await page.goto('/admin/invitations')
  await expect(page.locator(`tr[data-email="${email}"]`)).toContainText('Used')
})

test('an invalid field from the API shows next to its field', async ({ page }) => {
  await signIn(page, admin.email, admin.password)
  await page.goto('/admin/invitations')
  await page.getByLabel('Email').fill('not-an-email')
  await page.getByRole('button', { name: 'Send invitation' }).click()
  const field = page.getByLabel('Email')
  await expect(field).toHaveAttribute('aria-invalid', 'true')
  await expect(page.locator('.app-field__error').first()).toBeVisible()
})

test('forgot password shows the confirmation and the emailed link sets a new password', async ({ page }) => {
  await page.goto('/login')
  await page.getByRole('link', { name: 'Forgot password?' }).click()
  await expect(page).toHaveURL(/\/forgot$/)
  const email = admin.email
  await page.getByLabel('Email').fill(email)
  await page.getByRole('button', { name: 'Send reset link' }).click()
  await expect(page.getByText('Check your email')).toBeVisible()
  await expect(page.getByText(`If an account exists for ${email}`)).toBeVisible()

  if (!process.env.E2E_MAIL_DIR) return
  const resetLink = /https?:\/\/[^\s"'<>]*\/reset\?token=[^\s"'<>&]+/
  const mail = await waitForMail(email, resetLink)
  const match = mail.match(resetLink)
  expect(match, 'the reset email links to /reset?token=').not.toBeNull()
  const newPassword = `New-${Date.now()}-pw`
  await page.goto(new URL(match[0]).pathname + new URL(match[0]).search)
  await page.getByLabel('New password', { exact: true }).fill(newPassword)
  await page.getByLabel('Confirm new password').fill(newPassword)
  await page.getByRole('button', { name: 'Set new password' }).click()
  await expect(page.getByText('Password changed')).toBeVisible()

  await signIn(page, email, newPassword)
  // Put the admin's password back through the settings form for the other tests.
  await page.goto('/settings')
  await page.getByLabel('Current password').fill(newPassword)
  await page.getByLabel('New password', { exact: true }).fill(admin.password)
  await page.getByLabel('Confirm new password').fill(admin.password)
  await page.getByRole('button', { name: 'Change password' }).click()
  await expect(page.getByText('Your password has been changed.')).toBeVisible()
  // The new token from the change keeps this tab signed in.
  await page.reload()
  await expect(page.getByRole('heading', { name: 'Settings', exact: true })).toBeVisible()
})
