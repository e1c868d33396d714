// Screens at desktop and phone sizes, saved under e2e/screenshots/ for a person to review.
import { admin, createInvitationViaApi, expect, signIn, snap, test, uniqueEmail } from './fixtures.js'

const sizes = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
]

for (const size of sizes) {
  test.describe(`${size.name} screens`, () => {
    test.use({ viewport: size.viewport })

    test(`login, shell, settings, admin and jobs on ${size.name}`, async ({ page, request }) => {
      // Some rows for the admin lists: one pending invitation, one used by a registered member.
      await createInvitationViaApi(request, uniqueEmail(`pending-${size.name}`))
      const memberEmail = uniqueEmail(`member-${size.name}`)
      const used = await createInvitationViaApi(request, memberEmail)
      const registered = await request.post('/api/auth/register', {
        data: { email: memberEmail, password: 'member-password-1', invitation: used.code },
      })
      expect(registered.ok()).toBeTruthy()

      await page.goto('/login')
      await expect(page.getByRole('heading', { name: 'Sign in', exact: true })).toBeVisible()
      await snap(page, `${size.name}-login`)

      await page.getByLabel('Email').fill(admin.email)
      await page.getByLabel('Password', { exact: true }).fill('wrong-password')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await expect(page.getByRole('alert').first()).toBeVisible()
      await snap(page, `${size.name}-login-error`)

      await page.goto('/register?code=EXAMPLE')
      await expect(page.getByRole('heading', { name: 'Create your account', exact: true })).toBeVisible()
      await snap(page, `${size.name}-register`)

      await signIn(page, admin.email, admin.password)
      await expect(page.getByRole('heading', { name: 'Trackers', exact: true })).toBeVisible()
      await snap(page, `${size.name}-shell-trackers`)

      if (size.name === 'phone') {
        await page.getByRole('button', { name: 'Open menu' }).click()
        await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' })).toBeVisible()
        await snap(page, `${size.name}-menu-open`)
        await page.getByRole('button', { name: 'Close menu' }).click()
      } else {
        await page.locator('.user-menu__trigger').click()
        await snap(page, `${size.name}-user-menu`)
        await page.keyboard.press('Escape')
      }

      await page.goto('/settings')
      await expect(page.getByLabel('Time zone')).toBeVisible()
      await snap(page, `${size.name}-settings`)

      await page.goto('/admin/invitations')
      await expect(page.getByRole('heading', { name: 'Invitations', exact: true })).toBeVisible()
      await expect(page.locator('.app-loading')).toHaveCount(0)
      await snap(page, `${size.name}-admin-invitations`)

      await page.goto('/admin/users')
      await expect(page.locator(`tr[data-email="${admin.email}"]`)).toBeVisible()
      await snap(page, `${size.name}-admin-users`)

      await page.goto('/jobs')
      await expect(page.getByRole('heading', { name: 'Jobs', exact: true })).toBeVisible()
      await expect(page.locator('.app-loading')).toHaveCount(0)
      await snap(page, `${size.name}-jobs`)

      await page.goto('/no-such-page')
      await snap(page, `${size.name}-not-found`)
    })
  })
}
