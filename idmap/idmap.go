// Package idmap says how message and request identities of one protocol map
// to the other's, as interfaces the mapping packages call and an in-memory
// implementation for tests and for running without a data directory. The
// durable implementation lives in package idstore; this package does no I/O.
//
// First direction (Milky upstream, OneBot 11 bots): a Milky message is
// (scene, peer, seq) and bots need one positive int32 message_id (Mapper).
// Reverse direction (OneBot 11 upstream, Milky bots): the upstream names a
// message by its int32 message_id and Milky bots need a per-conversation
// message_seq that increases with time (SeqMapper); OneBot request flags
// become Milky notification/invitation seqs and initiator uids (FlagMapper).
package idmap

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

// Mapper serves the first direction. IDFor never fails: on a full or broken
// store it still returns the deterministic id (and the store reports the
// error through its own metrics/logs). RefFor reports false for ids it has
// never issued or has expired.
type Mapper interface {
	IDFor(ref Ref) int32
	RefFor(id int32) (Ref, bool)
}

// SeqMapper serves the reverse direction: the upstream's message_id of a
// message in one conversation, and the Milky message_seq bots see for it.
//
// RefForUpstream returns the Ref of upstream message id in conversation
// (scene, peer). When upstreamSeq > 0 (the implementation's own
// per-conversation sequence, e.g. NapCat's real_seq) it is used as the seq;
// otherwise the first sighting of id takes the conversation's next seq (one
// above the highest it has issued there). The same id always yields the
// same Ref, across restarts, and the Ref has reached the operating system
// before it is returned.
//
// UpstreamID is the inverse: false for a Ref it has never issued or has
// expired.
type SeqMapper interface {
	RefForUpstream(scene string, peer int64, id int32, upstreamSeq int64) Ref
	UpstreamID(ref Ref) (int32, bool)
}

// Flag kinds for FlagMapper, one sequence space each; the third is
// FlagInvitation (flag.go): Milky invitation_seq ⇄ OneBot group invite flag.
const (
	FlagFriendRequest = "friend" // Milky initiator_uid ⇄ OneBot friend request flag
	FlagGroupRequest  = "group"  // Milky notification_seq ⇄ OneBot group add flag
)

// FlagMapper serves the reverse direction's requests: an opaque OneBot 11
// request flag of one kind becomes a positive int64 seq (increasing with
// time, durable), and back.
//
// The flag handed to SeqForFlag may be part of an event's frame, which is
// reused once the event is mapped: an implementation copies what it keeps.
type FlagMapper interface {
	SeqForFlag(kind, flag string) int64
	FlagForSeq(kind string, seq int64) (string, bool)
}
