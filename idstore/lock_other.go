//go:build !unix

package idstore

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked")

// lockFile is a no-op where flock(2) does not exist; run one gateway per
// data dir there.
func lockFile(*os.File) error { return nil }
