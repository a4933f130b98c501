package config

import (
	"fmt"
	"strings"
)

// otherEnv are GATEWAY_* variables that are not settings but are expected
// in a gateway's environment, so they draw no warning.
var otherEnv = []string{
	"GATEWAY_CONFORMANCE_LOG", // the test suite's Milky request log (internal/conformance.Env)
	"GATEWAY_VERSION",         // deploy/docker-compose.yml's image tag
}

// UnknownEnv returns one warning per GATEWAY_* variable in environ ("NAME=value"
// entries, as os.Environ gives them) that no setting reads, naming the
// closest known variable when one is near: a misspelt twin is otherwise
// ignored without a word, as an unknown flag is not. Values are never
// included (they may be secrets).
func UnknownEnv(environ []string) []string {
	known := map[string]bool{}
	var names []string
	for _, s := range append(Default().settings(), defaultSimulate().settings()...) {
		known[s.env] = true
		names = append(names, s.env)
	}
	for _, n := range otherEnv {
		known[n] = true
	}
	var warnings []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "GATEWAY_") || known[name] {
			continue
		}
		if hint := suggest(name, names); hint != "" {
			warnings = append(warnings, fmt.Sprintf("unknown environment variable %s (did you mean %s?)", name, hint))
		} else {
			warnings = append(warnings, fmt.Sprintf("unknown environment variable %s (see gateway --help)", name))
		}
	}
	return warnings
}
