package ob11milky

import "github.com/qqbridge/gateway/segment"

// Env is what every event mapping may use: the direction's message
// conversion (ids, self, message format, untranslated counter). The
// direction's actions (translate/ob11milky) hold the same conversion.
type Env struct {
	segment.ForOneBot
}
