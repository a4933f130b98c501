// Package segment converts messages between OneBot 11 and Milky 1.2, both
// ways: segments, the message models (a Milky message as a OneBot 11 message
// event and back) and media URIs. Both directions' mapping packages use it;
// it is pure: it reaches the upstream only through the Caller it is handed
// and durable ids only through the idmap interfaces.
//
// Files are named for what they read: milky_incoming.go (received Milky
// messages, for OneBot 11 bots), onebot11_outgoing.go (segments a OneBot 11
// bot sends, for a Milky upstream), onebot11_incoming.go and
// milky_outgoing.go (the reverse direction's two).
package segment

import (
	"github.com/qqbridge/gateway/idmap"
	"github.com/qqbridge/gateway/milky"
)

// ForOneBot converts messages for OneBot 11 bots on a Milky upstream (the
// first direction): received Milky messages into OneBot 11 segments and
// events, and the segments a bot sends into Milky's.
type ForOneBot struct {
	// Upstream is the Milky implementation: resolving a received file name
	// to a URL, fetching a quoted or forwarded message.
	Upstream milky.Caller
	// IDs maps Milky message triples to OneBot message_id.
	IDs idmap.Mapper
	// SelfID returns the bot's own uin (0 until known).
	SelfID func() int64
	// SelfNickname returns the bot's own nickname ("" until known; may be
	// nil): the sender of its own private messages.
	SelfNickname func() string
	// MessageFormat is "array" or "string": the form of the message field in
	// events and get_msg results.
	MessageFormat string
	// OnUntranslated is told about each Milky segment or event type that had
	// no OneBot form (kind is "segment" or "event"); may be nil. The runtime
	// counts these; conversions never touch metrics themselves.
	OnUntranslated func(kind, typ string)
	// LocalFile decides whether a bot may have the upstream read the local
	// file at path (the path of a file:// URI or an absolute path, already
	// made absolute and cleaned of "." and ".." here): nil allows it, an
	// error refuses it and says why. A nil LocalFile allows every file and
	// passes references on as they came. The runtime builds it from
	// --media-local-files; it may consult the file system (symlinks), this
	// package never does.
	LocalFile func(path string) error
}

func (e *ForOneBot) selfID() int64 {
	if e.SelfID == nil {
		return 0
	}
	return e.SelfID()
}

func (e *ForOneBot) untranslated(kind, typ string) {
	if e.OnUntranslated != nil {
		e.OnUntranslated(kind, typ)
	}
}
