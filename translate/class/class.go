// Package class names how a request of one protocol is served on an
// upstream of the other: both directions' tables (translate/ob11milky for
// OneBot 11 actions on Milky, translate/milkyob11 for Milky APIs on OneBot 11)
// and the COVERAGE.md generator share these three words.
package class

// Class says how an action or API is served on the other protocol's upstream.
type Class string

const (
	// Translated: one or more upstream calls do what the request asks.
	Translated Class = "translated"
	// Emulated: answered faithfully from other upstream data (e.g. one
	// friend picked out of the friend list), possibly with documented losses.
	Emulated Class = "emulated"
	// Unsupported: the upstream protocol (or this implementation of it)
	// cannot do it; the call fails with the protocol's "unsupported" retcode
	// and the reason.
	Unsupported Class = "unsupported"
)
