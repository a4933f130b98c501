// Package idstore maps Milky message identities (scene, peer, seq) to the
// positive int32 message_id OneBot 11 bots need, durably: the same message
// always gets the same id, across restarts, and two messages never share one.
package idstore

import "github.com/qqbridge/gateway/idmap"

// Scene codes and Ref are idmap's; the aliases keep this package's callers
// reading naturally.
const (
	SceneFriend = idmap.SceneFriend
	SceneGroup  = idmap.SceneGroup
	SceneTemp   = idmap.SceneTemp
)

// Ref identifies one message (idmap.Ref).
type Ref = idmap.Ref

// Mapper is idmap.Mapper.
type Mapper = idmap.Mapper
