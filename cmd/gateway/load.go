package main

import (
	"fmt"
	"io"
	"os"

	"github.com/qqbridge/gateway/config"
)

// environ is the process environment, for the unknown GATEWAY_* warning;
// tests replace it.
var environ = os.Environ

// loadConfig is the one validation both the run and check-config go through,
// so that check-config accepts exactly what the run accepts. It warns on
// stderr about GATEWAY_* variables no setting reads and about values the
// chosen downstream never reads. Errors are printed by
// configFailed, in one format and with one exit code for both commands.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (*config.Config, error) {
	warnUnknownEnv(stderr)
	cfg, err := config.Load(args, getenv)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Inapplicable() {
		fmt.Fprintln(stderr, "gateway: warning:", w)
	}
	return cfg, nil
}

// warnUnknownEnv names GATEWAY_* variables no setting reads: a misspelt
// twin would otherwise be ignored without a word.
func warnUnknownEnv(stderr io.Writer) {
	for _, w := range config.UnknownEnv(environ()) {
		fmt.Fprintln(stderr, "gateway: warning:", w)
	}
}

// configFailed reports a configuration the run and check-config refuse.
func configFailed(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, "gateway:", err)
	return 2
}
