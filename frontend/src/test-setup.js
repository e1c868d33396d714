// Runs before every unit-test file: the client reads its token from the (test's) auth store, as in the app.
import { connectApiSession } from './plugins/apiSession.js'

connectApiSession()
