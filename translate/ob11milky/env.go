// Package ob11milky maps the actions of OneBot 11 bots onto a Milky
// upstream (the first direction). It is pure: it talks to the upstream only
// through the milky.Caller it is handed and to durable state only through
// the idmap interfaces, and never opens a socket or a file. Message
// conversion is package segment's; the events of this direction are
// eventmap/ob11milky's.
package ob11milky

import "github.com/qqbridge/gateway/segment"

// Env is what every translation function may use: the direction's message
// conversion (upstream, ids, self, message format) and what actions alone
// need.
type Env struct {
	segment.ForOneBot
	// Now returns the current Unix time in seconds (tests fix it).
	Now func() int64
	// UpstreamStatus reports whether the upstream API is reachable and the
	// event stream connected (get_status, heartbeats). nil means both true.
	UpstreamStatus func() (online, good bool)
	// Version is the gateway's version string (get_version_info).
	Version string
}

func (e *Env) selfID() int64 {
	if e.SelfID == nil {
		return 0
	}
	return e.SelfID()
}
