// Shared helpers of the compat scripts: checks that stop the process with a
// message naming what failed, an event log that waiters search (so an event
// that arrived before the wait began is not missed), and a hard deadline.
import { isDeepStrictEqual, inspect } from 'node:util'

export function checker (client) {
  const events = []
  const waiters = new Set()
  let passed = 0

  function fail (msg) {
    console.error(`FAIL [${client}] ${msg}`)
    process.exit(1)
  }

  function check (cond, what) {
    if (!cond) fail(what)
    passed++
  }

  function equal (got, want, what) {
    if (!isDeepStrictEqual(got, want)) {
      fail(`${what}:\n  got:  ${inspect(got, { depth: 6 })}\n  want: ${inspect(want, { depth: 6 })}`)
    }
    passed++
  }

  // int32Id: OneBot message ids must be positive int32 (typed clients crash otherwise).
  function int32Id (id, what) {
    check(Number.isInteger(id) && id > 0 && id <= 2147483647, `${what}: not a positive int32: ${inspect(id)}`)
  }

  // events.push(x) also wakes the waiters.
  const push = events.push.bind(events)
  events.push = (...xs) => {
    const n = push(...xs)
    for (const w of waiters) w()
    return n
  }

  // waitEvent resolves with x.ev (or x when it has no ev) of the first logged
  // event matching pred, waiting up to ms for it.
  function waitEvent (what, pred, ms = 15_000) {
    return new Promise((resolve) => {
      let next = 0
      const scan = () => {
        for (; next < events.length; next++) {
          if (pred(events[next])) {
            waiters.delete(scan)
            clearTimeout(timer)
            const x = events[next]
            resolve(x.ev !== undefined ? x.ev : x)
            return
          }
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(scan)
        const seen = events.map((x) => summary(x)).join('\n    ')
        fail(`timed out after ${ms} ms waiting for ${what}; events seen:\n    ${seen || '(none)'}`)
      }, ms)
      waiters.add(scan)
      scan()
    })
  }

  function deadline (ms) {
    setTimeout(() => fail(`the whole script took longer than ${ms} ms`), ms)
  }

  function done () {
    console.log(`PASS [${client}] ${passed} checks, ${events.length} events`)
    process.exit(0)
  }

  return { check, equal, int32Id, fail, done, events, waitEvent, deadline }
}

function summary (x) {
  const ev = x.ev !== undefined ? x.ev : x
  const kind = [ev.post_type, ev.meta_event_type || ev.message_type || ev.notice_type || ev.request_type, ev.sub_type]
    .filter(Boolean).join('/')
  const where = ev.group_id ? ` group=${ev.group_id}` : ev.user_id ? ` user=${ev.user_id}` : ''
  const msg = ev.raw_message !== undefined ? ` raw=${JSON.stringify(ev.raw_message)}`
    : ev.text !== undefined ? ` channel=${ev.channelId} user=${ev.userId} text=${JSON.stringify(ev.text)}` : ''
  return `${x.name || ''} ${kind}${where}${msg}`
}
