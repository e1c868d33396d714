// Starts the whole backend for the end-to-end run and returns the teardown.
// Processes: redis-server, an aiosmtpd sink writing a Maildir, gunicorn (API + built SPA),
// a Celery worker. State (URLs, admin credentials, mail dir) reaches the tests through env vars.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const frontendDir = resolve(here, '..')
const repoRoot = resolve(frontendDir, '..')
const venvBin = process.env.E2E_VENV_BIN || join(repoRoot, '.venv', 'bin')
const logDir = join(frontendDir, 'test-results', 'e2e-servers')

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolvePort(port))
    })
  })
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms))

async function waitFor(description, check, { attempts = 300, interval = 100, process } = {}) {
  for (let i = 0; i < attempts; i += 1) {
    if (process && process.exitCode !== null) {
      throw new Error(`${description}: the process exited with code ${process.exitCode}`)
    }
    try {
      if (await check()) return
    } catch {
      // Not up yet.
    }
    await sleep(interval)
  }
  throw new Error(`${description} did not become ready`)
}

// Each server's output goes to test-results/e2e-servers/<name>.log for reading after a failure.
function start(name, command, args, options, logs) {
  mkdirSync(logDir, { recursive: true })
  const file = join(logDir, `${name}.log`)
  const fd = openSync(file, 'w')
  const child = spawn(command, args, { ...options, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  logs[name] = file
  return child
}

function run(command, args, options) {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8' })
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`)
  }
  return result.stdout
}

async function stop(child) {
  if (!child || child.exitCode !== null) return
  child.kill('SIGTERM')
  for (let i = 0; i < 100 && child.exitCode === null; i += 1) await sleep(50)
  if (child.exitCode === null) child.kill('SIGKILL')
}

export default async function globalSetup() {
  if (process.env.E2E_BASE_URL) return undefined

  // Test the SPA as it is now, not a stale build.
  if (!process.env.E2E_SKIP_BUILD || !existsSync(join(frontendDir, 'dist', 'index.html'))) {
    run('npm', ['run', 'build'], { cwd: frontendDir })
  }

  const workDir = mkdtempSync(join(tmpdir(), 'trackbase-e2e-'))
  // aiosmtpd's Maildir handler creates the folder (with new/ cur/ tmp/) itself.
  const mailDir = join(workDir, 'mail')
  const [redisPort, smtpPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()])
  const supplierPort = await freePort()
  const withSupplier = process.env.E2E_SUPPLIER_SIM !== '0'
  const baseUrl = `http://127.0.0.1:${apiPort}`
  const admin = { email: 'admin@e2e.example.com', password: `Admin-${randomBytes(6).toString('hex')}` }
  const children = []
  const logs = {}

  const env = {
    ...process.env,
    SECRET_KEY: randomBytes(32).toString('hex'),
    SECURITY_PASSWORD_SALT: randomBytes(16).toString('hex'),
    DATABASE_URL: `sqlite:///${join(workDir, 'trackbase.db')}`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
    REGISTRATION: 'invite',
    PUBLIC_URL: baseUrl,
    MAIL_SERVER: '127.0.0.1',
    MAIL_PORT: String(smtpPort),
    FRONTEND_DIST: join(frontendDir, 'dist'),
    // The whole run signs in from one IP a few dozen times.
    RATELIMIT_AUTH_IP: '1000 per minute',
    RATELIMIT_AUTH_ACCOUNT: '1000 per minute',
    // The supplier simulator (below) unless E2E_SUPPLIER_SIM=0; then nothing listens there.
    SUPPLIER_API_URL: `http://127.0.0.1:${supplierPort}`,
    PYTHONUNBUFFERED: '1',
  }
  const inBackend = { cwd: join(repoRoot, 'backend'), env }

  const teardown = async () => {
    await Promise.all(children.reverse().map(stop))
    rmSync(workDir, { recursive: true, force: true })
  }

  try {
    const redis = start(
      'redis',
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workDir],
      { env },
      logs,
    )
    children.push(redis)
    const smtp = start(
      'smtp',
      join(venvBin, 'python'),
      ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${smtpPort}`, '-c', 'aiosmtpd.handlers.Mailbox', mailDir],
      { env },
      logs,
    )
    children.push(smtp)

    await waitFor('redis-server', () => {
      const ping = spawnSync('redis-cli', ['-p', String(redisPort), 'ping'], { encoding: 'utf8' })
      return ping.stdout.trim() === 'PONG'
    }, { process: redis })

    run(join(venvBin, 'flask'), ['--app', 'trackbase', 'db', 'upgrade'], inBackend)
    run(
      join(venvBin, 'flask'),
      ['--app', 'trackbase', 'users', 'create', admin.email, '--password', admin.password, '--role', 'admin', '--name', 'Ada Admin'],
      inBackend,
    )

    const api = start(
      'api',
      join(venvBin, 'gunicorn'),
      ['--bind', `127.0.0.1:${apiPort}`, '--workers', '2', '--threads', '4', '--access-logfile', '-', 'trackbase:create_app()'],
      inBackend,
      logs,
    )
    children.push(api)
    // Inventory data: the simulator (data pinned, moved on by the tests through /_sim/advance);
    // the worker polls it once at start because the database has no inventory yet.
    if (withSupplier) {
      const supplier = start(
        'supplier',
        join(venvBin, 'python'),
        ['-m', 'supplier_sim', '--port', String(supplierPort), '--epoch', '0', '--quiet'],
        inBackend,
        logs,
      )
      children.push(supplier)
      await waitFor('the supplier simulator', async () => (await fetch(`${env.SUPPLIER_API_URL}/_sim/status`)).ok, {
        process: supplier,
      })
    }
    const worker = start(
      'worker',
      join(venvBin, 'celery'),
      ['-A', 'celery_app', 'worker', '--pool', 'threads', '--concurrency', '2', '--loglevel', 'INFO'],
      { cwd: repoRoot, env: { ...env, PYTHONPATH: join(repoRoot, 'backend') } },
      logs,
    )
    children.push(worker)

    await waitFor('the API', async () => (await fetch(`${baseUrl}/api/config`)).ok, { process: api })
  } catch (err) {
    const tail = Object.entries(logs)
      .map(([name, file]) => `--- ${name} ---\n${readFileSync(file, 'utf8').slice(-4000)}`)
      .join('\n')
    await teardown()
    throw new Error(`${err.message}\n${tail}`)
  }

  process.env.E2E_BASE_URL = baseUrl
  process.env.E2E_ADMIN_EMAIL = admin.email
  process.env.E2E_ADMIN_PASSWORD = admin.password
  process.env.E2E_MAIL_DIR = mailDir
  process.env.E2E_DATABASE_URL = env.DATABASE_URL
  if (withSupplier) process.env.E2E_SUPPLIER_URL = env.SUPPLIER_API_URL
  return teardown
}
