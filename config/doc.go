// Package config turns the command line, the environment and an optional
// YAML file into one validated Config (see
// /work/shared/reference/cli-contract.md for the flags).
//
// Precedence, highest first: flags, environment, --config file, defaults.
// A source that sets a list (--reverse-ws, --webhook) replaces the whole list
// of lower sources; repeating the flag appends within the command line.
//
// Flags: "--name value", "--name=value" (one leading dash works too). Every
// flag takes a value; -h/--help prints the usage and returns ErrHelp. An
// unknown flag or a stray argument is an error naming it.
//
// Environment: every flag has a twin GATEWAY_<FLAG_IN_UPPER_SNAKE>
// (--upstream-token -> GATEWAY_UPSTREAM_TOKEN, --config -> GATEWAY_CONFIG).
// An empty variable counts as unset. Lists are comma-separated, blanks
// around items are trimmed and empty items skipped. The simulate subcommand's
// twins are GATEWAY_SIMULATE_LISTEN, GATEWAY_SIMULATE_PROTOCOL and
// GATEWAY_SIMULATE_ACCESS_TOKEN, so that a shell configured for the gateway
// (GATEWAY_LISTEN, GATEWAY_ACCESS_TOKEN) does not leak into the simulator.
// UnknownEnv lists the GATEWAY_* variables no setting reads, with the nearest
// name, for the command to warn about.
//
// README.md in this directory is the reference of every setting, generated
// from the settings table (TestReferenceIsCurrent fails when it is stale);
// example.yaml is a commented file with every key that the tests load.
//
// YAML file: one mapping whose keys are the flag names in snake_case
// (upstream_token, reverse_ws, ...), except that the repeatable --webhook is
// the list key "webhooks"; --config itself has no key. Lists are YAML
// sequences. A key with a null value (`secret:` or `secret: ~`) counts as
// unset; `secret: ""` sets it empty. Decoding is strict: an unknown or
// duplicate key, a list where one value belongs (or the reverse), or a value
// that does not parse is an error naming the file, the line and the key path
// (`gateway.yaml: line 3: unknown key "listn" (did you mean "listen"?)`,
// `gateway.yaml: line 7: reverse_ws[1]: "http://x" ...`). Anchors and
// aliases are resolved; merge keys ("<<") are not supported.
//
// Values: durations use Go syntax ("5s", "1m30s", "720h"); a bare number
// other than 0 is rejected because its unit would be a guess (OneBot
// configs use milliseconds, go-cqhttp seconds). Byte sizes are a plain
// number of bytes or carry a unit: B, KB/MB/GB (1000) or KiB/MiB/GiB (1024).
// Enumerations match case-insensitively and are stored in their canonical
// spelling.
//
// Validation runs after all sources are merged and reports every problem at
// once, one per line, each prefixed by where the value came from: "--listen",
// "GATEWAY_LISTEN" or "gateway.yaml: line 4: listen".
package config
