// Package idstore maps Milky message identities (scene, peer, seq) to the
// positive int32 message_id OneBot 11 bots need, durably: the same message
// always gets the same id, across restarts, and two messages never share one.
package idstore

// Scene codes for Ref.Scene; strings match Milky's message_scene values but
// this package does not depend on the milky package.
const (
	SceneFriend = "friend"
	SceneGroup  = "group"
	SceneTemp   = "temp"
)

// Ref identifies one message: its scene, its peer (friend uin or group
// number) and its per-conversation sequence number.
type Ref struct {
	Scene string
	Peer  int64
	Seq   int64
}

// Mapper is what translations use. IDFor never fails: on a full or broken
// store it still returns the deterministic id (and the store reports the
// error through its own metrics/logs). RefFor reports false for ids it has
// never issued or has expired.
type Mapper interface {
	IDFor(ref Ref) int32
	RefFor(id int32) (Ref, bool)
}
