// Package translate maps OneBot 11 actions onto Milky API calls (and, in the
// reverse direction, Milky APIs onto OneBot 11 actions). It is pure: it talks
// to the upstream only through the milky.Caller it is handed and to durable
// state only through idstore.Mapper, and never opens a socket or a file.
package translate

import (
	"github.com/qqbridge/gateway/idstore"
	"github.com/qqbridge/gateway/milky"
)

// Env is what every translation function may use.
type Env struct {
	// Upstream is the Milky implementation (client, simulator, or a test fake).
	Upstream milky.Caller
	// IDs maps Milky message triples to OneBot message_id.
	IDs idstore.Mapper
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
	// counts these; translations never touch metrics themselves.
	OnUntranslated func(kind, typ string)
	// Now returns the current Unix time in seconds (tests fix it).
	Now func() int64
	// UpstreamStatus reports whether the upstream API is reachable and the
	// event stream connected (get_status, heartbeats). nil means both true.
	UpstreamStatus func() (online, good bool)
	// Version is the gateway's version string (get_version_info).
	Version string
	// LocalFile decides whether a bot may have the upstream read the local
	// file at path (the path of a file:// URI or an absolute path, already
	// made absolute and cleaned of "." and ".." by translate): nil allows
	// it, an error refuses it and says why. A nil LocalFile allows every
	// file and passes references on as they came. The runtime builds it
	// from --media-local-files; it may consult the file system (symlinks),
	// translate itself never does.
	LocalFile func(path string) error
}

func (e *Env) selfID() int64 {
	if e.SelfID == nil {
		return 0
	}
	return e.SelfID()
}

func (e *Env) untranslated(kind, typ string) {
	if e.OnUntranslated != nil {
		e.OnUntranslated(kind, typ)
	}
}
