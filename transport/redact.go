package transport

import (
	"net/url"
	"strings"
)

// RedactURL makes a URL safe to log: user info becomes "***", the value of
// every access_token (or token) query parameter becomes "***" and the
// fragment goes. Everything else stays, so operators can still tell targets
// apart. An unparsable URL is replaced whole: it may hold a secret anywhere.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme == "" && u.Host == "") {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("***")
	}
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, _, _ := strings.Cut(p, "=")
			if key, err := url.QueryUnescape(k); err == nil && isSecretParam(key) {
				parts[i] = k + "=***"
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	return u.String()
}

func isSecretParam(k string) bool {
	return strings.EqualFold(k, "access_token") || strings.EqualFold(k, "token")
}
