//go:build !linux

package idstore

import "github.com/qqbridge/gateway/idmap"

// arena: the Go heap (idmap's default) where anonymous mappings with
// MAP_NORESERVE are not available.
var arena idmap.Arena
