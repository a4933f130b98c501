package bridge

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocalFilePolicy(t *testing.T) {
	for _, s := range []string{"", "allow", "ALLOW"} {
		p, err := localFilePolicy(s)
		require.NoError(t, err)
		assert.Nil(t, p, "allow needs no check: %q", s)
	}
	deny, err := localFilePolicy("deny")
	require.NoError(t, err)
	assert.ErrorContains(t, deny("/tmp/x.png"), "--media-local-files deny")

	_, err = localFilePolicy("media")
	assert.Error(t, err, "a relative directory is refused")
	_, err = localFilePolicy(filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err, "the directory must exist")

	base := t.TempDir()
	root := filepath.Join(base, "media")
	outside := filepath.Join(base, "secret")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	write := func(p string) {
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
	}
	write(filepath.Join(root, "sub", "a.png"))
	write(filepath.Join(outside, "key"))
	write(filepath.Join(base, "mediaX"))
	require.NoError(t, os.Symlink(filepath.Join(outside, "key"), filepath.Join(root, "link-out")))
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "dir-out")))
	require.NoError(t, os.Symlink(filepath.Join(root, "sub", "a.png"), filepath.Join(root, "link-in")))
	// The root itself reached through a symlink works too.
	alias := filepath.Join(base, "alias")
	require.NoError(t, os.Symlink(root, alias))

	check, err := localFilePolicy(alias)
	require.NoError(t, err)
	for _, ok := range []string{
		filepath.Join(root, "sub", "a.png"),
		filepath.Join(alias, "sub", "a.png"),
		filepath.Join(root, "link-in"),
	} {
		assert.NoError(t, check(ok), ok)
	}
	for _, bad := range []string{
		filepath.Join(outside, "key"),
		filepath.Join(base, "mediaX"),             // a sibling sharing the prefix
		filepath.Join(root, "link-out"),           // a link under the root pointing out
		filepath.Join(root, "dir-out", "key"),     // through a linked directory
		filepath.Join(root, "sub", "missing.png"), // cannot be resolved
	} {
		assert.Error(t, check(bad), bad)
	}
}
