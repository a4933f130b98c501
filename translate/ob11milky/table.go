package ob11milky

import (
	"context"

	"github.com/qqbridge/gateway/onebot11"
	"github.com/qqbridge/gateway/translate/class"
)

// Class says how an action is served on a Milky upstream; Unsupported (Milky
// 1.2 cannot express it) fails with onebot11.RetcodeUnsupported and Reason.
type Class = class.Class

// Handler runs one OneBot 11 action against the upstream and returns the
// response data (any JSON-encodable value; nil becomes null). Errors are
// *onebot11.Error, *milky.APIError, *milky.UnavailableError or anything else;
// ErrorResponse maps them to an envelope. A handler reads its parameters
// from p (sticky: each read returns a usable value, the first failure is
// kept) and checks p.Err() once before its first upstream call or other
// side effect; Validate relies on that to stop at bad parameters.
type Handler func(ctx context.Context, env *Env, p *onebot11.Reader) (any, error)

// Action is one row of the action table.
type Action struct {
	Name     string
	Category string   // message, friend, group, file, request, system, other
	Class    Class    //
	Milky    []string // the Milky APIs it calls, for COVERAGE.md
	Reason   string   // why it is unsupported (Class Unsupported only)
	Handler  Handler  // nil for Unsupported
}

// Actions is the one table of OneBot 11 actions served on a Milky upstream,
// assembled from the per-category lists (message.go, friend.go, group.go,
// file.go, request.go, system.go, other.go).
var Actions = buildTable(
	messageActions,
	friendActions,
	groupActions,
	fileActions,
	requestActions,
	systemActions,
	otherActions,
)

func buildTable(lists ...[]Action) map[string]*Action {
	t := make(map[string]*Action)
	for _, l := range lists {
		for i := range l {
			a := &l[i]
			if _, dup := t[a.Name]; dup {
				panic("translate: action registered twice: " + a.Name)
			}
			t[a.Name] = a
		}
	}
	return t
}

// translated, emulated and unsupported build the common rows of the
// per-category lists; a row with more to say is written out as an Action.
func translated(category, name string, h Handler, milkyAPIs ...string) Action {
	return Action{Name: name, Category: category, Class: class.Translated, Handler: h, Milky: milkyAPIs}
}

func emulated(category, name string, h Handler, milkyAPIs ...string) Action {
	return Action{Name: name, Category: category, Class: class.Emulated, Handler: h, Milky: milkyAPIs}
}

func unsupported(category, name, reason string) Action {
	return Action{Name: name, Category: category, Class: class.Unsupported, Reason: reason}
}
