package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate checks every value and the combinations, and reports all problems
// at once (one per line), each named by the source that set the value: a
// flag, an environment variable or a file line and key.
func (c *Config) Validate() error {
	// Problems are reported in flag order whatever order they are found in.
	type problem struct {
		order int
		err   error
	}
	set := c.settings()
	order := make(map[string]int, len(set))
	for i, s := range set {
		order[s.flag] = i
	}
	var problems []problem
	bad := func(flag, format string, args ...any) {
		problems = append(problems, problem{order[flag], fmt.Errorf("%s: %s", c.label(flag), fmt.Sprintf(format, args...))})
	}
	badItem := func(flag string, i int, err error) {
		problems = append(problems, problem{order[flag], fmt.Errorf("%s: %w", c.itemLabel(flag, i), err)})
	}

	for _, s := range set {
		p, ok := s.ptr.(*string)
		if !ok || len(s.enum) == 0 || slices.Contains(s.enum, *p) {
			continue
		}
		if _, set := c.origin[s.flag]; *p == "" && !set && s.flag == "downstream" {
			continue // derived from an upstream protocol that is already reported
		}
		bad(s.flag, "%q is not one of %s", *p, strings.Join(s.enum, ", "))
	}
	upOK := c.UpstreamProtocol == Milky || c.UpstreamProtocol == OneBot11
	if upOK && c.Downstream == c.UpstreamProtocol {
		bad("downstream", "%q is also the upstream protocol; the gateway translates between milky and onebot11", c.Downstream)
	}

	if c.Upstream != "" && upOK {
		schemes := []string{"http", "https"}
		if c.UpstreamProtocol == OneBot11 {
			schemes = []string{"ws", "wss", "http", "https"}
		}
		if err := checkURL(c.Upstream, schemes...); err != nil {
			bad("upstream", "%v", err)
		}
	}
	if c.UpstreamListen != "" {
		switch {
		case c.UpstreamProtocol == Milky:
			bad("upstream-listen", "only a onebot11 upstream can connect in; a milky upstream is dialed at --upstream")
		case c.Upstream != "":
			bad("upstream-listen", "set either --upstream (dial) or --upstream-listen (accept), not both")
		}
		if err := checkAddr(c.UpstreamListen); err != nil {
			bad("upstream-listen", "%v", err)
		}
	}
	if err := checkToken(c.UpstreamToken); err != nil {
		bad("upstream-token", "%v", err)
	}
	if c.UpstreamSecret != "" && c.UpstreamProtocol == Milky {
		bad("upstream-secret", "only a onebot11 upstream POSTs events (signed with X-Signature); a milky upstream is authenticated by --upstream-token")
	}
	if err := checkToken(c.UpstreamSecret); err != nil {
		bad("upstream-secret", "%v", err)
	}
	downOK := c.Downstream == Milky || c.Downstream == OneBot11
	if _, set := c.origin["listen"]; c.Listen != "" || set || downOK || c.origin == nil {
		if err := checkAddr(c.Listen); err != nil {
			bad("listen", "%v", err)
		}
	} // else: no default because the protocols are invalid, already reported
	if err := checkToken(c.AccessToken); err != nil {
		bad("access-token", "%v", err)
	}
	if len(c.ReverseWS) > 0 && c.Downstream == Milky {
		bad("reverse-ws", "reverse WS is a onebot11 downstream transport, and the downstream is milky")
	}
	for i, u := range c.ReverseWS {
		if err := checkURL(u, "ws", "wss"); err != nil {
			badItem("reverse-ws", i, err)
		} else if pu, _ := url.Parse(u); pu.User != nil {
			// The WebSocket dialer refuses user:password URLs, so the
			// gateway would retry forever; the token goes in --access-token.
			badItem("reverse-ws", i, fmt.Errorf("%q carries user:password; the WebSocket client cannot send it: use --access-token (sent as Authorization)", maskURL(u)))
		}
	}
	for i, u := range c.Webhooks {
		if err := checkURL(u, "http", "https"); err != nil {
			badItem("webhook", i, err)
		}
	}
	if c.Heartbeat < 0 {
		bad("heartbeat", "%q must not be negative (0 disables)", formatDuration(c.Heartbeat))
	}
	if c.MetricsListen != "" {
		if err := checkAddr(c.MetricsListen); err != nil {
			bad("metrics-listen", "%v", err)
		} else if c.MetricsListen == c.Listen && !strings.HasSuffix(c.Listen, ":0") {
			bad("metrics-listen", "%q is also --listen; give metrics its own port", c.MetricsListen)
		}
	}
	if strings.TrimSpace(c.Data) == "" {
		bad("data", "must name a directory")
	}
	positive := func(flag string, d time.Duration) {
		if d <= 0 {
			bad(flag, "%q must be positive", formatDuration(d))
		}
	}
	positive("upstream-timeout", c.UpstreamTimeout)
	positive("reconnect-interval", c.ReconnectInterval)
	positive("id-retention", c.IDRetention)
	if c.GracePeriod < 0 {
		bad("grace-period", "%q must not be negative", formatDuration(c.GracePeriod))
	}
	if c.EventBuffer <= 0 {
		bad("event-buffer", "%d must be positive", c.EventBuffer)
	}
	if c.EventBufferBytes <= 0 {
		bad("event-buffer-bytes", "%d must be positive", c.EventBufferBytes)
	}
	if c.SpoolMaxBytes <= 0 {
		bad("spool-max-bytes", "%d must be positive", c.SpoolMaxBytes)
	}
	if c.EventMaxAge < 0 {
		bad("event-max-age", "%q must not be negative", formatDuration(c.EventMaxAge))
	}
	if c.IDMaxEntries <= 0 || c.IDMaxEntries > math.MaxInt32 {
		bad("id-max-entries", "%d must be between 1 and %d (message ids are positive int32)", c.IDMaxEntries, math.MaxInt32)
	}
	if c.MaxBodyBytes <= 0 {
		bad("max-body-bytes", "%d must be positive", c.MaxBodyBytes)
	}
	if v := c.MediaLocalFiles; !strings.EqualFold(v, MediaLocalAllow) && !strings.EqualFold(v, MediaLocalDeny) && !filepath.IsAbs(v) {
		bad("media-local-files", "%q is not allow, deny or an absolute directory", v)
	}
	slices.SortStableFunc(problems, func(a, b problem) int { return a.order - b.order })
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = p.err
	}
	return errors.Join(errs...)
}

// label names the source of a setting for error messages.
func (c *Config) label(flag string) string {
	if o, ok := c.origin[flag]; ok {
		return o.label
	}
	return "--" + flag
}

// itemLabel names the source of one list item.
func (c *Config) itemLabel(flag string, i int) string {
	if o, ok := c.origin[flag]; ok && i < len(o.items) {
		return o.items[i]
	}
	return c.label(flag)
}

// checkURL wants an absolute URL with one of schemes and a host.
func checkURL(raw string, schemes ...string) error {
	shown := maskURL(raw) // errors get printed; keep credentials out
	want := strings.Join(schemes, "://, ") + "://"
	if i := strings.LastIndex(want, ", "); i >= 0 {
		want = want[:i] + " or " + want[i+2:]
	}
	if !strings.Contains(raw, "://") {
		return fmt.Errorf("%q has no scheme; want %s", shown, want)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%q is not a URL: %v", shown, err)
	}
	if !slices.Contains(schemes, strings.ToLower(u.Scheme)) {
		return fmt.Errorf("%q has scheme %q; want %s", shown, u.Scheme, want)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%q has no host", shown)
	}
	return nil
}

// checkAddr wants host:port with a numeric port (host may be empty: every
// interface).
func checkAddr(raw string) error {
	if raw == "" {
		return errors.New("must not be empty (want host:port, e.g. \"127.0.0.1:5700\")")
	}
	_, port, err := net.SplitHostPort(raw)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			err = errors.New(ae.Err)
		}
		return fmt.Errorf("%q is not host:port (e.g. \"127.0.0.1:5700\"): %v", raw, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has port %q; want a number from 0 to 65535", raw, port)
	}
	return nil
}

// checkToken refuses tokens that cannot survive an Authorization header
// (typically a trailing newline from a secrets file).
func checkToken(t string) error {
	for _, r := range t {
		if r <= ' ' || r == 0x7f {
			return errors.New("must not contain spaces or control characters (a trailing newline from a secrets file?)")
		}
	}
	return nil
}
