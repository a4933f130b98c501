package config

import (
	"errors"
	"fmt"
	"strings"
)

// flagValue is one occurrence of a flag on the command line.
type flagValue struct {
	s   *setting
	raw string
}

// parseArgs splits args into flag occurrences. It knows every flag takes a
// value, which is what lets it name an unknown flag exactly (the std flag
// package reports "-name" and prints usage on its own).
func parseArgs(args []string, set []*setting, usage func([]*setting) string) ([]flagValue, error) {
	byName := make(map[string]*setting, len(set))
	names := make([]string, 0, len(set))
	for _, s := range set {
		byName[s.flag] = s
		names = append(names, s.flag)
	}
	var out []flagValue
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-" || !strings.HasPrefix(a, "-") {
			return nil, fmt.Errorf("unexpected argument %q (settings are flags: --name value)", a)
		}
		if a == "--" {
			if i+1 < len(args) {
				return nil, fmt.Errorf("unexpected argument %q (settings are flags: --name value)", args[i+1])
			}
			break
		}
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		value, hasValue := "", false
		if k := strings.IndexByte(name, '='); k >= 0 {
			name, value, hasValue = name[:k], name[k+1:], true
		}
		if name == "h" || name == "help" {
			fmt.Fprint(helpOutput, usage(set))
			return nil, ErrHelp
		}
		s := byName[name]
		if s == nil {
			if hint := suggest(name, names); hint != "" {
				return nil, fmt.Errorf("unknown flag --%s (did you mean --%s?)", name, hint)
			}
			return nil, fmt.Errorf("unknown flag --%s (see --help)", name)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag --%s needs a value (%s)", name, s.arg)
			}
			i++
			value = args[i]
		}
		out = append(out, flagValue{s: s, raw: value})
	}
	return out, nil
}

// applyFlags writes the flag occurrences: scalars last-wins, lists collect
// every occurrence and replace lower sources.
func applyFlags(flags []flagValue, origins map[string]origin) error {
	var errs []error
	cleared := map[*setting]bool{}
	for _, f := range flags {
		label := "--" + f.s.flag
		if f.s.isList() && !cleared[f.s] {
			*f.s.ptr.(*[]string) = nil
			cleared[f.s] = true
		}
		if err := f.s.set(f.raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", label, err))
			continue
		}
		record(origins, f.s, label, nil)
	}
	return errors.Join(errs...)
}

// environment is getenv, or an empty environment when it is nil.
func environment(getenv func(string) string) func(string) string {
	if getenv == nil {
		return func(string) string { return "" }
	}
	return getenv
}

// applyEnv writes every non-empty environment twin.
func applyEnv(getenv func(string) string, set []*setting, origins map[string]origin) error {
	var errs []error
	for _, s := range set {
		raw := getenv(s.env)
		if raw == "" {
			continue
		}
		if s.isList() {
			var items []string
			for _, it := range strings.Split(raw, ",") {
				if it = strings.TrimSpace(it); it != "" {
					items = append(items, it)
				}
			}
			*s.ptr.(*[]string) = items
			record(origins, s, s.env, nil)
			continue
		}
		if err := s.set(raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
			continue
		}
		record(origins, s, s.env, nil)
	}
	return errors.Join(errs...)
}

// usage is the gateway's help text, generated from the settings table.
func usage(set []*setting) string {
	defaults := Default().settings()
	var b strings.Builder
	b.WriteString(`Usage: gateway [flags]                 run (no --upstream: against the built-in simulator)
       gateway simulate [--listen ADDR] [--protocol milky|onebot11] [--access-token T]
                                      serve the simulator alone (see gateway simulate --help)
       gateway check-config [flags]    validate as a run would; print the configuration, secrets masked
       gateway healthcheck [--url U] [--timeout D]
                                      exit 0 when the gateway's /healthz answers (container HEALTHCHECK)
       gateway --version               print the version

Two directions, one per process:
  OneBot 11 bots on a Milky implementation (default)
       gateway --upstream http://127.0.0.1:3000 --upstream-token T
  Milky 1.2 bots on a OneBot 11 implementation (NapCat, LLOneBot, Lagrange.OneBot, go-cqhttp)
       gateway --downstream milky                       (no upstream: the built-in simulator)
       gateway --upstream-protocol onebot11 --upstream ws://127.0.0.1:3001     (its forward WS)
       gateway --upstream-protocol onebot11 --upstream-listen 127.0.0.1:6700  (its reverse WS dials in)
       gateway --upstream-protocol onebot11 --upstream http://127.0.0.1:3000 --upstream-secret S
               (its HTTP API; it POSTs events to http://<--listen>/onebot/v11/post)
     Milky bots call POST http://<--listen>/api/<name> and read GET /event (WebSocket or SSE).

Every flag has an environment twin GATEWAY_<FLAG_IN_UPPER_SNAKE> (lists comma-separated);
flags beat the environment, which beats the --config YAML file, which beats the defaults.

Flags:
`)
	writeFlags(&b, set, defaults)
	return b.String()
}

// writeFlags writes one aligned line per flag, with its default when it has one.
func writeFlags(b *strings.Builder, set, defaults []*setting) {
	width := 0
	for _, s := range set {
		width = max(width, len(s.flag)+len(s.arg)+3)
	}
	for i, s := range set {
		left := "--" + s.flag + " " + s.arg
		line := s.usage
		if len(s.enum) > 0 {
			line = strings.Join(s.enum, "|") + ": " + line
		}
		if def := fmt.Sprint(defaults[i].value()); def != "" && def != "[]" && def != "0" && !strings.Contains(s.usage, "(default") {
			line += " (default " + def + ")"
		}
		fmt.Fprintf(b, "  %-*s  %s\n", width, left, line)
	}
}
