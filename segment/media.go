package segment

import (
	"context"
	"net/url"
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
