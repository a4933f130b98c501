package idstore

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"

	"github.com/qqbridge/gateway/idmap"
)

// An idmap.Ref's Scene may point into a caller's (event) buffer; the store must not
// keep that buffer alive through it.
func TestStoredSceneDoesNotAliasCallerMemory(t *testing.T) {
	buf := []byte(`{"message_scene":"group","payload":"...1 KiB..."}`)
	scene := unsafe.String(&buf[18], 5) // "group", pointing into buf
	m := NewMemory(Options{})
	id := m.IDFor(idmap.Ref{Scene: scene, Peer: 123456, Seq: 1})
	ref, ok := m.RefFor(id)
	assert.True(t, ok)
	assert.Equal(t, "group", ref.Scene)
	assert.Equal(t, uintptr(unsafe.Pointer(unsafe.StringData(idmap.SceneGroup))), uintptr(unsafe.Pointer(unsafe.StringData(ref.Scene))), "stored scene must be the package constant")

	odd := unsafe.String(&buf[2], 7) // "message", an unknown scene
	id = m.IDFor(idmap.Ref{Scene: odd, Peer: 123456, Seq: 2})
	ref, _ = m.RefFor(id)
	assert.NotEqual(t, uintptr(unsafe.Pointer(unsafe.StringData(odd))), uintptr(unsafe.Pointer(unsafe.StringData(ref.Scene))), "unknown scenes are copied")
}
