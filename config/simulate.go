package config

import (
	"errors"
	"fmt"
	"strings"
)

// SimulateConfig configures `gateway simulate`: the simulator alone, served
// as a standalone implementation.
type SimulateConfig struct {
	Listen      string // --listen: default 127.0.0.1:3000
	Protocol    string // --protocol: milky|onebot11, default milky
	AccessToken string // --access-token: token clients must present
}

func (s *SimulateConfig) settings() []*setting {
	return finish("GATEWAY_SIMULATE_", []*setting{
		{flag: "listen", arg: "ADDR", usage: "address to serve on", ptr: &s.Listen},
		{flag: "protocol", arg: "PROTO", usage: "protocol to speak", enum: []string{Milky, OneBot11}, ptr: &s.Protocol},
		{flag: "access-token", arg: "T", usage: "token clients must present (empty: open)", ptr: &s.AccessToken},
	})
}

func defaultSimulate() *SimulateConfig {
	return &SimulateConfig{Listen: "127.0.0.1:3000", Protocol: Milky}
}

// LoadSimulate reads the simulate subcommand's flags (args without
// "simulate") and their GATEWAY_SIMULATE_* twins; there is no config file.
func LoadSimulate(args []string, getenv func(string) string) (*SimulateConfig, error) {
	sc := defaultSimulate()
	set := sc.settings()
	flags, err := parseArgs(args, set, simulateUsage)
	if err != nil {
		return nil, err
	}
	getenv = environment(getenv)
	origins := map[string]origin{}
	if err := applyEnv(getenv, set, origins); err != nil {
		return nil, err
	}
	if err := applyFlags(flags, origins); err != nil {
		return nil, err
	}
	var errs []error
	label := func(flag string) string {
		if o, ok := origins[flag]; ok {
			return o.label
		}
		return "--" + flag
	}
	if err := checkAddr(sc.Listen); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", label("listen"), err))
	}
	if sc.Protocol != Milky && sc.Protocol != OneBot11 {
		errs = append(errs, fmt.Errorf("%s: %q is not one of milky, onebot11", label("protocol"), sc.Protocol))
	}
	if err := checkToken(sc.AccessToken); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", label("access-token"), err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return sc, nil
}

func simulateUsage(set []*setting) string {
	var b strings.Builder
	b.WriteString(`Usage: gateway simulate [flags]

Serves the built-in simulator (a fake QQ account with friends and groups) as a
standalone implementation. Environment twins: GATEWAY_SIMULATE_<FLAG>.

Flags:
`)
	writeFlags(&b, set, defaultSimulate().settings())
	return b.String()
}
