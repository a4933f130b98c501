// Package milkyob11 serves the 64 Milky 1.2 APIs on a OneBot 11
// implementation (the reverse direction: NapCat, LLOneBot, go-cqhttp,
// Lagrange.OneBot or Shamrock upstream, Milky bots downstream). It is pure:
// it reaches the upstream only through the onebot11.Caller it is handed and
// durable state only through the idmap interfaces, and never opens a socket
// or a file.
package milkyob11

import (
	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/segment"
)

// Env is what every API function may use.
type Env struct {
	// Upstream is the OneBot 11 implementation (client or a test fake).
	Upstream onebot11.Caller
	// Impl is the upstream implementation (onebot11.DetectImpl of its
	// get_version_info): it decides which extension actions are used.
	Impl onebot11.Impl
	// Seqs maps upstream message_ids to Milky (scene, peer, seq) and back.
	Seqs idmap.SeqMapper
	// Flags maps OneBot request flags to Milky notification/invitation
	// seqs and initiator uids and back.
	Flags idmap.FlagMapper
	// SelfID returns the bot's own uin (0 until known; may be nil).
	SelfID func() int64
	// Now returns the current Unix time in seconds (tests fix it).
	Now func() int64
	// Version is the gateway's version string (get_impl_info).
	Version string
	// Quotes finds the message a reply segment quotes (a cache the runtime
	// fills from events; may be nil). History pages also look in themselves.
	Quotes segment.QuoteLookup
	// LocalFile is the --media-local-files policy for the file:// URIs bots
	// send (segment.ConfineLocalURI); nil allows every file. The runtime
	// builds it; it may consult the file system, this package never does.
	LocalFile func(path string) error
}

func (e *Env) selfID() int64 {
	if e.SelfID == nil {
		return 0
	}
	return e.SelfID()
}

func (e *Env) now() int64 {
	if e.Now == nil {
		return 0
	}
	return e.Now()
}

func (e *Env) impl() onebot11.Impl {
	if e.Impl == "" {
		return onebot11.Unknown
	}
	return e.Impl
}

// pick returns the first of actions the upstream offers ("" if none).
func (e *Env) pick(actions ...string) string {
	for _, a := range actions {
		if e.impl().Offers(a) {
			return a
		}
	}
	return ""
}
