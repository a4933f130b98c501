package config

import (
	"fmt"
	"strings"
)

// Inapplicable returns one warning per explicitly set value that the chosen
// downstream never reads (today: the OneBot 11 downstream's settings when
// bots speak Milky). Such a value is not an error, since a shared config
// file may serve both directions, but silently ignoring it would let an
// operator believe, say, that --secret signs the Milky webhooks.
func (c *Config) Inapplicable() []string {
	if c.Downstream != Milky {
		return nil
	}
	var out []string
	for _, s := range c.settings() {
		if _, set := c.origin[s.flag]; !set || !strings.HasPrefix(s.usage, ob11DownstreamOnly) {
			continue
		}
		if s.flag == "reverse-ws" {
			continue // refused by Validate: a milky downstream has no reverse WS
		}
		out = append(out, fmt.Sprintf("%s is ignored: %s, and the downstream is milky", c.label(s.flag), ob11DownstreamOnly))
	}
	return out
}
