package config

import (
	"fmt"
	"strings"
	"time"
)

// reference renders config/README.md from the settings table, so the
// reference cannot drift from the flags: TestReferenceIsCurrent compares
// the file with it (go test ./config -run TestReferenceIsCurrent -update
// rewrites the file).
func reference() string {
	var b strings.Builder
	b.WriteString(referenceIntro)
	b.WriteString("\n## Settings of `gateway` and `gateway check-config`\n\n")
	writeReferenceTable(&b, Default().settings(), true, map[string]string{
		"config":     "(none)",
		"upstream":   "(built-in simulator)",
		"downstream": "the protocol the upstream is not (`onebot11` for a `milky` upstream)",
		"listen":     "`127.0.0.1:5700` (onebot11 downstream), `127.0.0.1:3010` (milky downstream)",
	})
	b.WriteString(referenceSimulate)
	writeReferenceTable(&b, defaultSimulate().settings(), false, nil)
	b.WriteString(referenceTail)
	return b.String()
}

// writeReferenceTable writes one row per setting; withKey adds the YAML key
// column, special holds defaults that are not a plain value.
func writeReferenceTable(b *strings.Builder, set []*setting, withKey bool, special map[string]string) {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	if withKey {
		b.WriteString("| flag | YAML key | environment | type | default | meaning |\n|---|---|---|---|---|---|\n")
	} else {
		b.WriteString("| flag | environment | type | default | meaning |\n|---|---|---|---|---|\n")
	}
	for _, s := range set {
		key := ""
		if withKey {
			key = " (none) |"
			if s.key != "" {
				key = " `" + s.key + "` |"
			}
		}
		def, ok := special[s.flag]
		if !ok {
			def = "(empty)"
			switch v := fmt.Sprint(s.value()); {
			case v == "[]":
				def = "(none)"
			case v != "":
				def = "`" + v + "`"
			}
		}
		fmt.Fprintf(b, "| `--%s %s` |%s `%s` | %s | %s | %s |\n",
			s.flag, cell(s.arg), key, s.env, referenceType(s), def, cell(s.usage))
	}
}

// referenceType names a setting's type as the docs use it.
func referenceType(s *setting) string {
	switch s.ptr.(type) {
	case *[]string:
		return "list of strings (repeatable flag; comma-separated in the environment; YAML sequence)"
	case *time.Duration:
		return "duration"
	case *int:
		return "integer"
	case *int64:
		return "byte size"
	}
	if len(s.enum) > 0 {
		return "one of " + "`" + strings.Join(s.enum, "`, `") + "`"
	}
	return "string"
}

const referenceIntro = `# Configuration reference

<!-- Generated from the settings table in config/settings.go and config/simulate.go by
     go test ./config -run TestReferenceIsCurrent -update; do not edit by hand. -->

Every setting of the gateway can be given three ways, and the first source that sets it wins:

1. a **flag**: ` + "`--name value`" + ` or ` + "`--name=value`" + ` (one leading dash works too); every flag takes a
   value; an unknown flag is an error that suggests the nearest one;
2. an **environment variable**, the flag's twin ` + "`GATEWAY_<FLAG_IN_UPPER_SNAKE>`" + ` (an empty variable
   counts as unset; lists are comma-separated); a ` + "`GATEWAY_*`" + ` variable that no setting reads is
   warned about on stderr with the nearest known name;
3. the **YAML file** named by ` + "`--config FILE`" + ` (or ` + "`GATEWAY_CONFIG`" + `): one mapping whose keys are the
   flag names in snake_case, except that the repeatable ` + "`--webhook`" + ` is the list key ` + "`webhooks`" + `.
   Decoding is strict: an unknown or duplicate key, a list where one value belongs (or the
   reverse), or a value that does not parse is an error naming the file, line and key. A key
   with a null value counts as unset. [` + "`example.yaml`" + `](example.yaml) is a commented example
   with every key;
4. otherwise the **default** below.

A source that sets a list (` + "`--reverse-ws`" + `, ` + "`--webhook`" + `) replaces the whole list of lower sources;
repeating the flag appends within the command line.

Values: durations use Go syntax (` + "`5s`, `1m30s`, `720h`" + `; a bare number other than ` + "`0`" + ` is refused, its
unit would be a guess); byte sizes are a number of bytes or carry a unit (` + "`B`, `KB`/`MB`/`GB`" + ` = 1000,
` + "`KiB`/`MiB`/`GiB`" + ` = 1024); enumerations match case-insensitively. Tokens and secrets must not contain
spaces or control characters (a trailing newline from a secrets file is the usual cause).

` + "`gateway check-config [flags]`" + ` runs exactly the validation of a run (same errors, same exit code 2)
and prints the effective configuration as YAML with every token and secret shown as ` + "`***`" + `.
All problems are reported at once, one per line, each prefixed by where the value came from
(` + "`--listen`" + `, ` + "`GATEWAY_LISTEN`" + ` or ` + "`gateway.yaml: line 4: listen`" + `).
`

const referenceSimulate = "\n## Settings of `gateway simulate`\n\n" +
	"The simulator has its own twins, `GATEWAY_SIMULATE_<FLAG>`, so that a shell set up for the gateway\n" +
	"(`GATEWAY_LISTEN`, `GATEWAY_ACCESS_TOKEN`) does not leak into it. It reads no file.\n\n"

const referenceTail = "\n## Other commands\n\n" +
	"| command | what it does |\n|---|---|\n" +
	"| `gateway healthcheck [--url U] [--timeout D]` | exits 0 when `/healthz` answers 200 (container `HEALTHCHECK`); `--url` defaults to `/healthz` on `GATEWAY_METRICS_LISTEN` (a wildcard host is probed on 127.0.0.1), else `http://127.0.0.1:9464/healthz`; `--timeout` defaults to `3s` |\n" +
	"| `gateway --version` | prints the version |\n" +
	"| `gateway --help` | prints the flags with their defaults and every subcommand |\n"
