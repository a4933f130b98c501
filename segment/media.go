package segment

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
)

// MediaURI turns a OneBot 11 media reference (the `file` or `url` of an
// image, record or video segment) into a URI Milky accepts (file://,
// http(s)://, base64://). field names the segment field for error messages.
//
//   - http(s)://, base64://, file:// pass through (the CQ codec has already
//     unescaped &amp; and friends);
//   - data:...;base64,X becomes base64://X (some web bots send data URIs);
//   - an absolute local path (/x, C:\x, C:/x) becomes a file:// URI;
//   - anything else is a name the gateway handed out in a received segment:
//     the gateway puts Milky's resource_id in `file`, so it is resolved to a
//     fresh URL with get_resource_temp_url (received URLs expire in hours).
func (e *ForOneBot) MediaURI(ctx context.Context, field, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", onebot11.Errorf(onebot11.RetcodeBadRequest, "%s: empty file reference", field)
	}
	if uri, ok := DirectURI(ref); ok {
		uri, err := e.localURI(uri)
		if err != nil {
			return "", Wrapf(err, "%s", field)
		}
		return uri, nil
	}
	var out milky.GetResourceTempURLOutput
	if err := e.Upstream.Call(ctx, milky.APIGetResourceTempURL, &milky.GetResourceTempURLInput{ResourceID: ref}, &out); err != nil {
		return "", Wrapf(err, "%s: %q is not a URL or absolute path, and resolving it as a received file failed", field, Shorten(ref, 60))
	}
	if out.URL == "" {
		return "", onebot11.Errorf(onebot11.RetcodeUpstream, "%s: upstream returned an empty URL for received file %q", field, Shorten(ref, 60))
	}
	return out.URL, nil
}

// localURI applies LocalFile to a file:// URI from DirectURI (see
// ConfineLocalURI); a refusal is the bot's bad parameter.
func (e *ForOneBot) localURI(uri string) (string, error) {
	out, err := ConfineLocalURI(uri, e.LocalFile)
	if err != nil {
		return "", onebot11.Errorf(onebot11.RetcodeBadRequest, "%s", err.Error())
	}
	return out, nil
}

// ConfineLocalURI applies check (the --media-local-files policy; nil allows
// everything) to the local file a file:// URI names; other URIs pass. Both
// directions use it for what their bots send. A checked file is answered as
// the canonical URI of its cleaned path, so the upstream reads exactly the
// file that was checked, however the bot spelt it (percent escapes, "..",
// doubled slashes). A file URI naming another host, or no absolute path, is
// refused: it cannot be checked. Errors quote at most onebot11.ClipBytes of
// the bot's input.
func ConfineLocalURI(uri string, check func(path string) error) (string, error) {
	if check == nil || len(uri) < 5 || !strings.EqualFold(uri[:5], "file:") {
		return uri, nil
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("file URI %q does not parse", onebot11.Clip(uri))
	}
	drive := len(u.Host) == 2 && isWindowsAbs(u.Host+"/") // LLOneBot's file://d:/x
	if u.Host != "" && !drive && !strings.EqualFold(u.Host, "localhost") {
		return "", fmt.Errorf("file URI %q names the host %q: only local files can be sent", onebot11.Clip(uri), onebot11.Clip(u.Host))
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("file URI %q has a query or fragment: percent-encode ? and # in file names", onebot11.Clip(uri))
	}
	p := u.Path
	if drive {
		p = u.Host + p
	}
	if len(p) >= 4 && p[0] == '/' && isWindowsAbs(p[1:]) {
		p = p[1:] // file:///C:/x is the Windows path C:/x
	}
	if u.Opaque != "" || !(strings.HasPrefix(p, "/") || isWindowsAbs(p)) {
		return "", fmt.Errorf("file URI %q has no absolute path", onebot11.Clip(uri))
	}
	clean := cleanPath(p)
	if err := check(clean); err != nil {
		return "", fmt.Errorf("local file %q refused: %v", onebot11.Clip(clean), err)
	}
	if isWindowsAbs(clean) {
		return fileURI("/" + clean), nil
	}
	return fileURI(clean), nil
}

// cleanPath is path.Clean for a slash path or a Windows path (drive letter,
// either slash): translate sees the bot's paths whatever OS the gateway
// runs on, so it cleans them on the string only, never through the OS.
func cleanPath(p string) string {
	if isWindowsAbs(p) {
		return p[:2] + path.Clean(strings.ReplaceAll(p[2:], `\`, "/"))
	}
	return path.Clean(p)
}

// DirectURI converts the forms that need no upstream call.
func DirectURI(ref string) (string, bool) {
	lower := strings.ToLower(ref[:min(len(ref), 10)])
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"),
		strings.HasPrefix(lower, "base64://"), strings.HasPrefix(lower, "file://"):
		return ref, true
	case strings.HasPrefix(lower, "data:"):
		if i := strings.Index(ref, ";base64,"); i > 0 {
			return "base64://" + ref[i+len(";base64,"):], true
		}
		return "", false
	case strings.HasPrefix(ref, "/"):
		return fileURI(ref), true
	case isWindowsAbs(ref):
		// file:///C:/dir/x.png: the drive letter goes in the path.
		return fileURI("/" + strings.ReplaceAll(ref, `\`, "/")), true
	}
	return "", false
}

func isWindowsAbs(s string) bool {
	return len(s) >= 3 && ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) &&
		s[1] == ':' && (s[2] == '\\' || s[2] == '/')
}

// fileURI percent-encodes the path as RFC 8089 wants (spaces, '#', '?').
func fileURI(path string) string {
	return (&url.URL{Scheme: "file", Path: path}).String()
}

func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
