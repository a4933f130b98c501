// Drives the gateway with cq-websocket, unchanged: its default two sockets
// /api and /event, the token as ?access_token=, object echoes ({reqid}),
// messages as CQ strings (the gateway runs with --message-format string),
// and its "return a string from a message listener to reply" feature.
// Exits 0 when every check passed, non-zero naming the failed check.
//
// Env: COMPAT_HOST, COMPAT_PORT, COMPAT_TOKEN.
import cq from 'cq-websocket'
import { checker } from './lib.mjs'

const { CQWebSocket } = cq
const { check, equal, int32Id, fail, done, events, waitEvent, deadline } = checker('cq-websocket')
deadline(40_000)

const host = process.env.COMPAT_HOST
const port = Number(process.env.COMPAT_PORT)
const token = process.env.COMPAT_TOKEN
if (!host || !port || !token) fail('COMPAT_HOST, COMPAT_PORT and COMPAT_TOKEN must be set')

const bot = new CQWebSocket({ host, port, accessToken: token, reconnection: false })

// Events the library does not know (message_sent, notify, ...) reach its
// 'error' listeners as UnexpectedContextError; those are logged, not fatal,
// because the library predates them. Anything else is a failure.
const unexpected = []
bot.on('error', (err) => {
  if (err && err.name === 'UnexpectedContextError') {
    unexpected.push(err.context)
    events.push({ name: 'unexpected', ev: err.context })
    return
  }
  fail(`error event: ${err && err.stack ? err.stack : err}`)
})
bot.on('socket.error', (type, err) => fail(`socket.error on ${type}: ${err}`))
bot.on('socket.close', (type, code, reason) => {
  if (!closing) fail(`${type} socket closed by the gateway: ${code} ${reason}`)
})
let closing = false

// Replies from the "return a string" feature land here (onResponse).
const replies = []
bot.on('message', (e, ctx, tags) => {
  events.push({ name: 'message', ev: ctx, tags })
  if (ctx.message_type === 'private' && typeof ctx.message === 'string' && ctx.message.startsWith('echo: cq compat')) {
    e.onResponse((res) => replies.push(res))
    e.onError((err) => fail(`reply by returning a string failed: ${JSON.stringify(err)}`))
    return 'reply from cq-websocket &amp; &#91;ok&#93;'
  }
})
bot.on('meta_event', (ctx) => events.push({ name: 'meta_event', ev: ctx }))

const ready = new Promise((resolve) => bot.on('ready', resolve))
bot.connect()
await ready

// api: the library resolves with the whole response (echo removed) and never
// rejects on retcode, so the checks look at status/retcode.
async function api (action, params) {
  const res = await bot(action, params, 10_000).catch((e) => fail(`${action}: ${e}`))
  return res
}

const login = await api('get_login_info')
equal(login.status, 'ok', 'get_login_info status')
check(login.echo === undefined, 'the library matched the response by echo.reqid and removed it')
const selfId = login.data.user_id
check(Number.isSafeInteger(selfId) && selfId > 0, `get_login_info user_id: ${selfId}`)

const friends = await api('get_friend_list')
equal(friends.retcode, 0, 'get_friend_list retcode')
check(Array.isArray(friends.data) && friends.data.length > 0, 'get_friend_list: at least one friend')
const friend = friends.data[0].user_id

// Text with every character CQ escapes: & [ ] and , (a comma is escaped
// only inside CQ parameters, so in text it comes back plain).
const text = 'cq compat a&b [x] c,d'
const cqText = 'cq compat a&amp;b &#91;x&#93; c&#44;d'
const sent = await api('send_private_msg', { user_id: friend, message: cqText + '[CQ:face,id=14]' })
equal(sent.retcode, 0, `send_private_msg retcode (${sent.message || sent.wording})`)
int32Id(sent.data.message_id, 'send_private_msg message_id')

// The friend's echo arrives on /event with message as a CQ string.
const echoWant = 'echo: cq compat a&amp;b &#91;x&#93; c,d'
const echo = await waitEvent('the friend\'s echo on /event', (x) =>
  x.name === 'message' && x.ev.message_type === 'private' && x.ev.user_id === friend &&
  typeof x.ev.message === 'string' && x.ev.message.startsWith('echo: cq compat'))
equal(echo.message, echoWant, 'echo message (CQ string, escaped)')
equal(echo.raw_message, echoWant, 'echo raw_message')
equal(echo.sub_type, 'friend', 'echo sub_type')
int32Id(echo.message_id, 'echo message_id')
const echoTags = events.find((x) => x.ev === echo).tags
equal(echoTags.map((t) => t.tagName), ['text'], 'the library parses the echo as one text tag')

// get_msg of what the bot sent: the face and the escaping round-trip.
const own = await api('get_msg', { message_id: sent.data.message_id })
equal(own.retcode, 0, 'get_msg (own) retcode')
equal(own.data.message, 'cq compat a&amp;b &#91;x&#93; c,d[CQ:face,id=14]', 'get_msg (own) message as CQ string')
equal(unescape(own.data.raw_message.replace('[CQ:face,id=14]', '')), text, 'unescaped text round-trips')

// The listener returned a string: the library called send_msg with the
// event's own fields plus message; the gateway must accept that.
const deadlineReply = Date.now() + 10_000
while (replies.length === 0 && Date.now() < deadlineReply) await new Promise((r) => setTimeout(r, 20))
check(replies.length === 1, 'send_msg of the returned reply got a response')
equal(replies[0].retcode, 0, `send_msg (reply) retcode (${replies[0].message || replies[0].wording})`)
int32Id(replies[0].data.message_id, 'send_msg (reply) message_id')
const reply = await api('get_msg', { message_id: replies[0].data.message_id })
equal(reply.data.message, 'reply from cq-websocket &amp; &#91;ok&#93;', 'the reply went out as CQ text')
equal(reply.data.message_type, 'private', 'the reply went to the private conversation')

// An unknown action: retcode 1404 on the /api socket.
const unknown = await api('compat_no_such_action', {})
equal(unknown.status, 'failed', 'unknown action status')
equal(unknown.retcode, 1404, 'unknown action retcode')

await waitEvent('heartbeat on /event', (x) => x.name === 'meta_event' && x.ev.meta_event_type === 'heartbeat')

if (unexpected.length > 0) {
  const kinds = [...new Set(unexpected.map((c) => [c.post_type, c.notice_type || c.message_type].filter(Boolean).join('/')))]
  console.log(`note: events cq-websocket 2.1.1 does not know (delivered to its 'error' listeners): ${kinds.join(', ')}`)
}

closing = true
bot.disconnect()
done()

function unescape (s) {
  return s.replace(/&#91;/g, '[').replace(/&#93;/g, ']').replace(/&#44;/g, ',').replace(/&amp;/g, '&')
}
