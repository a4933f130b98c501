package milkyob11

import (
	"context"
	"strings"

	"github.com/qqbridge/gateway/milky"
	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/translate/class"
)

// Class says how a Milky API is served on a OneBot 11 upstream; Unsupported
// fails with RetcodeUnsupported naming the implementation and the reason.
type Class = class.Class

// Handler runs one Milky API against the upstream and returns the response
// data (encoded as the envelope's data). Errors are *milky.APIError (see
// errors.go for the retcodes) or upstream errors, which Do maps.
type Handler func(ctx context.Context, env *Env, p *milky.Params) (any, error)

// API is one row of the table.
type API struct {
	Name     string
	Category string   // system, message, friend, group, file (Milky's categories)
	Class    Class    // on an upstream that offers what Requires asks
	OneBot   []string // the OneBot actions it may call, for COVERAGE.md
	// Requires lists extension actions of which the upstream must offer at
	// least one (empty: standard actions suffice). An upstream offering
	// none serves the API as Unsupported.
	Requires []string
	// AlsoOn lists implementations that serve the API without any of
	// Requires (e.g. go-cqhttp pokes through a message segment).
	AlsoOn []onebot11.Impl
	// Reason: why it is unsupported (Class Unsupported), or what the
	// translation loses (other classes; may be empty).
	Reason  string
	Handler Handler // nil for Unsupported
}

// On returns the class of the API on implementation impl, and the reason
// when it is unsupported there.
func (a *API) On(impl onebot11.Impl) (Class, string) {
	if a.Class == class.Unsupported || a.Handler == nil {
		return class.Unsupported, a.Reason
	}
	if len(a.Requires) == 0 {
		return a.Class, ""
	}
	for _, i := range a.AlsoOn {
		if i == impl {
			return a.Class, ""
		}
	}
	for _, act := range a.Requires {
		if impl.Offers(act) {
			return a.Class, ""
		}
	}
	if impl == onebot11.Unknown {
		// Nothing is known of its extensions, so nothing is claimed.
		return class.Unsupported, "it is not known to offer any of " + strings.Join(a.Requires, ", ")
	}
	return class.Unsupported, string(impl) + " offers none of " + strings.Join(a.Requires, ", ")
}

// APIs is the one table of the 64 Milky 1.2 APIs, assembled from the
// per-category lists (system.go, message.go, friend.go, group.go, file.go).
var APIs = buildTable(systemAPIs, messageSendAPIs, messageGetAPIs, messageAPIs, friendAPIs, groupAPIs, fileAPIs)

func buildTable(lists ...[]API) map[string]*API {
	t := make(map[string]*API)
	for _, l := range lists {
		for i := range l {
			a := &l[i]
			if _, dup := t[a.Name]; dup {
				panic("milkyob11: API registered twice: " + a.Name)
			}
			t[a.Name] = a
		}
	}
	return t
}
