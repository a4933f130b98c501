// Drives the gateway with Koishi and koishi-plugin-adapter-onebot, unchanged,
// through Koishi's own bot API (satori elements in, OneBot array segments
// out). COMPAT_KOISHI_PROTOCOL picks the transport:
//   ws          Koishi dials the gateway's universal socket / with
//               Authorization: Bearer, numeric echoes;
//   ws-reverse  Koishi serves /onebot/v11/ws and the gateway (started with
//               --reverse-ws) dials it; Koishi refuses the socket unless
//               X-Client-Role is Universal and X-Self-ID is the account.
// Exits 0 when every check passed, non-zero naming the failed check.
//
// Env: COMPAT_HTTP_URL (http://127.0.0.1:PORT, the gateway), COMPAT_TOKEN,
// COMPAT_KOISHI_PROTOCOL, COMPAT_KOISHI_PORT (ws-reverse: Koishi's port).
import { createRequire } from 'node:module'
import { checker } from './lib.mjs'

// Koishi 4 is CommonJS (its ESM entry does not load in Node 20).
const require = createRequire(import.meta.url)
const { App, h } = require('koishi')
const onebot = require('koishi-plugin-adapter-onebot').default
const http = require('@koishijs/plugin-http')
const server = require('@koishijs/plugin-server')

const protocol = process.env.COMPAT_KOISHI_PROTOCOL
const { check, equal, int32Id, fail, done, events, waitEvent, deadline } = checker(`koishi ${protocol}`)
deadline(40_000)

const base = process.env.COMPAT_HTTP_URL
const token = process.env.COMPAT_TOKEN
if (!base || !token || !['ws', 'ws-reverse'].includes(protocol)) {
  fail('COMPAT_HTTP_URL, COMPAT_TOKEN and COMPAT_KOISHI_PROTOCOL (ws|ws-reverse) must be set')
}

// Koishi needs the account up front (selfId); ask the HTTP API for it.
const loginRes = await fetch(`${base}/get_login_info`, { headers: { Authorization: `Bearer ${token}` } })
equal(loginRes.status, 200, 'HTTP get_login_info status')
const selfId = String((await loginRes.json()).data.user_id)

const app = new App()
app.plugin(http.default ?? http)
let adapter = { selfId, token, protocol, responseTimeout: 10_000 }
if (protocol === 'ws') {
  adapter.endpoint = base.replace(/^http/, 'ws') + '/'
} else {
  const port = Number(process.env.COMPAT_KOISHI_PORT)
  if (!port) fail('COMPAT_KOISHI_PORT must be set for ws-reverse')
  app.plugin(server.default ?? server, { host: '127.0.0.1', port })
  adapter = { ...adapter, path: '/onebot/v11/ws' }
}
app.plugin(onebot, adapter)

app.on('message', (session) => events.push({ name: 'message', ev: eventOf(session), session }))
await app.start()

// The bot goes online once its socket is up and get_login_info answered.
const t0 = Date.now()
while (app.bots[0]?.status !== 1 && Date.now() - t0 < 25_000) await sleep(25)
const bot = app.bots[0]
check(bot && bot.status === 1, `the Koishi bot is online (status ${bot && bot.status})`)
equal(bot.user.id, selfId, 'bot.user.id')
check(typeof bot.user.name === 'string' && bot.user.name !== '', 'bot.user.name')

// Koishi API → OneBot actions.
const guilds = (await bot.getGuildList()).data
check(guilds.length >= 2, `getGuildList: at least two groups, got ${guilds.length}`)
const gid = guilds[0].id
const guild = await bot.getGuild(gid)
equal(guild.name, guilds[0].name, 'getGuild (get_group_info) name')
const members = (await bot.getGuildMemberList(gid)).data
check(members.length > 0 && members.every((m) => m.user && m.user.id), 'getGuildMemberList members')

// Satori elements: text with & [ ], bold (Koishi flattens it), a face.
const content = 'koishi compat a&amp;b [x] <b>bold</b> <face id="14"/>'
const sent = await bot.sendMessage(gid, content)
check(sent.length === 1, `sendMessage returns one id: ${sent}`)
int32Id(Number(sent[0]), 'sendMessage (send_group_msg) id')

// The member's echo arrives as a Koishi message session.
const echoText = 'echo: koishi compat a&b [x] bold '
const echo = await waitEvent('the echo as a Koishi session', (x) =>
  x.name === 'message' && x.ev.channelId === gid && x.ev.userId !== selfId && x.ev.text.startsWith('echo: koishi'))
equal(echo.text, echoText, 'echo text (elements decoded)')
equal(echo.guildId, gid, 'echo guildId')
equal(echo.isDirect, false, 'echo isDirect')
int32Id(Number(echo.messageId), 'echo messageId')
check(members.some((m) => m.user.id === echo.userId), 'the echo comes from a member of the group')

// getMessage (get_msg) of the echo.
const got = await bot.getMessage(gid, echo.messageId)
equal(got.id, echo.messageId, 'getMessage id')
equal(textOf(h.parse(got.content)), echoText, 'getMessage content')

// The bot's own message, read back: the face survived the round trip.
const own = await bot.getMessage(gid, sent[0])
const face = h.parse(own.content).find((e) => e.type === 'face')
check(face && String(face.attrs.id) === '14', `getMessage of the sent message keeps the face: ${own.content}`)

// session.send: Koishi's reply path.
const replied = await echo.session.send('koishi reply &amp; done')
int32Id(Number(replied[0]), 'session.send id')

// Private chat: a direct channel to a friend.
const friends = (await bot.getFriendList()).data
check(friends.length > 0, 'getFriendList')
const dm = await bot.createDirectChannel(friends[0].id)
const dmIds = await bot.sendMessage(dm.id, 'koishi direct [x]')
int32Id(Number(dmIds[0]), 'sendMessage (send_private_msg) id')
const dmEcho = await waitEvent('the friend\'s echo', (x) =>
  x.name === 'message' && x.ev.isDirect && x.ev.userId === friends[0].id && x.ev.text === 'echo: koishi direct [x]')
equal(dmEcho.channelId, `private:${friends[0].id}`, 'direct echo channelId')

// An unknown action: the adapter throws its SenderError with the retcode.
let unknown
try {
  await bot.internal._get('compat_no_such_action', {})
} catch (e) {
  unknown = e
}
check(unknown !== undefined, 'an unknown action must throw')
equal(unknown.code, 1404, 'unknown action retcode')

// No app.stop(): in this Koishi version it throws inside the bot's dispose
// handler; exiting closes the socket, which is all the gateway needs.
done()

function eventOf (session) {
  return {
    channelId: session.channelId,
    guildId: session.guildId,
    userId: session.userId,
    isDirect: session.isDirect,
    messageId: session.messageId,
    text: textOf(session.elements || []),
    raw_message: session.content,
    session,
  }
}

function textOf (elements) {
  return elements.map((e) => e.type === 'text' ? e.attrs.content : textOf(e.children || [])).join('')
}

function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
