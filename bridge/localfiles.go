package bridge

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// localFilePolicy builds translate.Env.LocalFile from --media-local-files:
// "allow" (or "") lets bots send any local file (nil: no check), "deny"
// none, and an absolute directory only files under it. The directory check
// runs here, not in translate, because it resolves symlinks on the gateway's
// file system: a link under the directory that points outside is refused,
// as is a file that does not exist (it cannot be resolved, and the
// upstream, on the same host, could not read it either).
func localFilePolicy(setting string) (func(path string) error, error) {
	switch {
	case setting == "" || strings.EqualFold(setting, "allow"):
		return nil, nil
	case strings.EqualFold(setting, "deny"):
		return func(string) error {
			return errors.New("this gateway does not send local files (--media-local-files deny); send http(s):// or base64:// instead")
		}, nil
	case !filepath.IsAbs(setting):
		return nil, fmt.Errorf("media-local-files %q: want allow, deny or an absolute directory", setting)
	}
	root, err := filepath.EvalSymlinks(filepath.Clean(setting))
	if err != nil {
		return nil, fmt.Errorf("media-local-files: %w", err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("media-local-files %q: not a directory", setting)
	}
	outside := errors.New("outside the directory bots may send files from (--media-local-files)")
	return func(path string) error {
		path = filepath.FromSlash(path)
		// translate hands over a cleaned absolute path; the lexical check
		// first, so that paths outside are refused without touching them.
		if !within(filepath.Clean(setting), path) && !within(root, path) {
			return outside
		}
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return errors.New("it does not exist on the gateway's host")
		}
		if !within(root, real) {
			return outside
		}
		return nil
	}, nil
}

// within reports whether path is dir or below it (both clean and absolute).
func within(dir, path string) bool {
	if path == dir {
		return true
	}
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		dir += string(filepath.Separator)
	}
	return strings.HasPrefix(path, dir)
}
