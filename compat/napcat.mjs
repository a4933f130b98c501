// Drives the gateway with node-napcat-ts, unchanged: one forward WebSocket on
// /event carrying both events and API calls (NapCat style), the token in the
// query string, nanoid string echoes. Exits 0 when every check passed,
// non-zero with a message naming the failed check otherwise.
//
// Env: COMPAT_WS_URL (ws://127.0.0.1:PORT), COMPAT_TOKEN.
import { NCWebsocket, Structs } from 'node-napcat-ts'
import { checker } from './lib.mjs'

const { check, equal, int32Id, fail, done, events, waitEvent, deadline } = checker('node-napcat-ts')
deadline(40_000)

const base = process.env.COMPAT_WS_URL
const token = process.env.COMPAT_TOKEN
if (!base || !token) fail('COMPAT_WS_URL and COMPAT_TOKEN must be set')

const bot = new NCWebsocket({
  baseUrl: `${base}/event`,
  accessToken: token,
  reconnection: { enable: false },
  apiTimeout: 10_000,
}, false)

// Every event the library hands to its users, by top-level name (the bus
// re-emits message.group.normal as message.group and message).
for (const name of ['meta_event', 'message', 'message_sent', 'notice', 'request']) {
  bot.on(name, (ev) => events.push({ name, ev }))
}
bot.on('socket.error', (e) => fail(`socket.error: ${JSON.stringify(e)}`))
bot.on('socket.close', (e) => { if (!closing) fail(`socket closed by the gateway: ${e.code} ${e.reason}`) })
let closing = false

// api wraps a call so a rejection names the action.
async function api (action, params) {
  try {
    return await bot.send(action, params)
  } catch (e) {
    fail(`${action}: rejected: ${JSON.stringify(e)}`)
  }
}

await bot.connect()

// First frame: lifecycle connect with the account.
const life = await waitEvent('lifecycle connect', (x) => x.name === 'meta_event' && x.ev.meta_event_type === 'lifecycle')
equal(life.sub_type, 'connect', 'lifecycle sub_type')

const login = await api('get_login_info', {})
check(Number.isSafeInteger(login.user_id) && login.user_id > 0, `get_login_info user_id positive: ${login.user_id}`)
check(typeof login.nickname === 'string' && login.nickname !== '', 'get_login_info nickname')
equal(life.self_id, login.user_id, 'lifecycle self_id = get_login_info user_id')

const groups = await api('get_group_list', {})
check(Array.isArray(groups) && groups.length >= 2, `get_group_list: at least two groups, got ${JSON.stringify(groups)}`)
const [g1, g2] = groups.map((g) => g.group_id)

// 1. A CQ string with escaped brackets, an ampersand and a face code.
const text1 = 'napcat compat [tag] & more, ok'
const cq1 = 'napcat compat &#91;tag&#93; &amp; more&#44; ok[CQ:face,id=14]'
const sent1 = await bot.send_group_msg({ group_id: g1, message: cq1 })
int32Id(sent1.message_id, 'send_group_msg (CQ string) message_id')

// The bot's own message comes back as message_sent with the same id.
const own = await waitEvent('message_sent for the CQ string', (x) =>
  x.name === 'message_sent' && x.ev.message_id === sent1.message_id)
equal(own.message_type, 'group', 'message_sent message_type')
equal(own.group_id, g1, 'message_sent group_id')
equal(own.user_id, login.user_id, 'message_sent user_id')
equal(own.message, [
  { type: 'text', data: { text: text1 } },
  { type: 'face', data: { id: '14' } },
], 'message_sent message (array)')

// The simulator's member answers "echo: <text>" as a normal group message.
const echo1 = await waitEvent('echo reply in group 1', (x) =>
  x.name === 'message' && x.ev.message_type === 'group' && x.ev.group_id === g1 &&
  x.ev.raw_message === `echo: ${text1}`) // the library CQ-decodes raw_message
equal(echo1.sub_type, 'normal', 'echo sub_type')
equal(echo1.message_format, 'array', 'echo message_format')
equal(echo1.message, [{ type: 'text', data: { text: `echo: ${text1}` } }], 'echo message (array)')
int32Id(echo1.message_id, 'echo message_id')
check(echo1.user_id !== login.user_id, 'echo comes from a member, not the bot')
check(echo1.sender && echo1.sender.user_id === echo1.user_id, 'echo sender.user_id')

// get_msg on the echoed id returns the same message; its raw_message is the
// CQ string as the gateway wrote it (the library does not decode responses).
const got = await bot.get_msg({ message_id: echo1.message_id })
equal(got.message_id, echo1.message_id, 'get_msg message_id')
equal(got.message, echo1.message, 'get_msg message')
equal(got.raw_message, 'echo: napcat compat &#91;tag&#93; &amp; more, ok', 'get_msg raw_message (CQ-escaped; a comma in text stays plain)')
equal(got.user_id, echo1.user_id, 'get_msg user_id')

// 2. The library's own segment builders (array form) to the second group.
const sent2 = await bot.send_group_msg({
  group_id: g2,
  message: [Structs.text('napcat array '), Structs.face(14), Structs.text('[x]')],
})
int32Id(sent2.message_id, 'send_group_msg (Structs array) message_id')
check(sent2.message_id !== sent1.message_id, 'distinct message ids')
const echo2 = await waitEvent('echo reply in group 2', (x) =>
  x.name === 'message' && x.ev.group_id === g2 && x.ev.raw_message === 'echo: napcat array [x]')

// 3. The library's quick reply (.handle_quick_operation with the event as
// context, as NapCat users call it).
await echo2.quick_action([Structs.text('quick reply & [done]')], false)
await waitEvent('message_sent for the quick reply', (x) =>
  x.name === 'message_sent' && x.ev.group_id === g2 &&
  JSON.stringify(x.ev.message) === JSON.stringify([{ type: 'text', data: { text: 'quick reply & [done]' } }]))

// 4. An unknown action fails with retcode 1404 and the library rejects.
let unknown
try {
  await bot.send('compat_no_such_action', {})
} catch (e) {
  unknown = e
}
check(unknown !== undefined, 'an unknown action must be rejected')
equal(unknown.status, 'failed', 'unknown action status')
equal(unknown.retcode, 1404, 'unknown action retcode')

// 5. Heartbeats arrive through the library's event API.
const hb = await waitEvent('heartbeat', (x) => x.name === 'meta_event' && x.ev.meta_event_type === 'heartbeat')
check(Number.isInteger(hb.interval) && hb.interval > 0, `heartbeat interval: ${hb.interval}`)
check(hb.status && hb.status.online === true, `heartbeat status.online: ${JSON.stringify(hb.status)}`)

closing = true
await bot.disconnect()
done()
