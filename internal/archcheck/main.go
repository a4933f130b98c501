// Command archcheck enforces the package boundaries of the two-direction
// layout (README, "Design"), on transitive dependencies:
//
//   - the wire packages (onebot11, milky) and the pure packages (idmap,
//     segment, translate/*, eventmap/*) reach no network, WebSocket, HTTP
//     server/client or storage library, however indirectly, and no package
//     of this module that they reach imports os, os/exec or syscall (fmt
//     itself imports os, so os is checked where it is imported by us);
//   - a protocol's packages (onebot11/..., milky/...) never reach the other
//     protocol's;
//   - one direction's mapping packages (*/ob11milky, */milkyob11) never reach
//     the other direction's;
//   - only the mapping packages and the wiring above them reach both
//     protocols.
//
// It exits 1 naming every violation and the chain that causes it.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/goccy/go-json"
)

const mod = "github.com/qqbridge/gateway"

// pkg is what `go list -json` says of one package of the module.
type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// bannedDeps may not be reached from a pure package: I/O libraries.
var bannedDeps = []string{
	"net", "net/http", "crypto/tls",
	"github.com/gorilla/websocket", "github.com/valyala/fasthttp", "github.com/fasthttp/websocket",
	"go.etcd.io/bbolt",
}

// bannedImports may not be imported by any package of this module that a
// pure package reaches (the standard library's own use of os is fine).
var bannedImports = []string{"os", "os/exec", "syscall"}

// bothAllowed are the packages that may reach both protocols: the mapping
// packages and the wiring and tools above them.
var bothAllowed = []string{
	"segment", "translate/", "eventmap/", "bridge", "cmd/", "simulator", "internal/", "deploy", "compat", "bench",
}

func main() {
	pkgs, err := load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "archcheck:", err)
		os.Exit(2)
	}
	problems := check(pkgs)
	if len(problems) > 0 {
		sort.Strings(problems)
		fmt.Fprintln(os.Stderr, "archcheck: package boundaries broken:\n  "+strings.Join(problems, "\n  "))
		os.Exit(1)
	}
	fmt.Printf("archcheck: package boundaries hold (%d packages, transitive)\n", len(pkgs))
}

func load() (map[string]*pkg, error) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", mod+"/...").Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	pkgs := map[string]*pkg{}
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		pkgs[rel(p.ImportPath)] = &p
	}
	return pkgs, nil
}

// rel strips the module path: "github.com/qqbridge/gateway/milky" -> "milky".
func rel(path string) string {
	if path == mod {
		return "."
	}
	return strings.TrimPrefix(path, mod+"/")
}

func under(p, root string) bool { return p == root || strings.HasPrefix(p, root+"/") }

func isPure(p string) bool {
	switch {
	case p == "onebot11", p == "milky", p == "idmap", under(p, "segment"):
		return true
	case under(p, "translate"), under(p, "eventmap"):
		return true
	}
	return false
}

func direction(p string) string {
	for _, d := range []string{"ob11milky", "milkyob11"} {
		if strings.HasSuffix(p, "/"+d) || strings.Contains(p, "/"+d+"/") {
			return d
		}
	}
	return ""
}

func check(pkgs map[string]*pkg) []string {
	var problems []string
	for name, p := range pkgs {
		deps := map[string]bool{}
		for _, d := range p.Deps {
			deps[rel(d)] = true
		}
		if isPure(name) {
			for _, b := range bannedDeps {
				if deps[b] {
					problems = append(problems, fmt.Sprintf("%s must stay pure but reaches %s", name, b))
				}
			}
			for _, d := range append([]string{p.ImportPath}, p.Deps...) {
				dp, ok := pkgs[rel(d)]
				if !ok {
					continue // outside the module
				}
				for _, imp := range dp.Imports {
					for _, b := range bannedImports {
						if imp == b {
							problems = append(problems, fmt.Sprintf("%s must stay pure but reaches %s, which imports %s", name, rel(d), b))
						}
					}
				}
			}
		}
		reachesOB := deps["onebot11"] || under(name, "onebot11")
		reachesMilky := deps["milky"] || under(name, "milky")
		if under(name, "onebot11") && deps["milky"] {
			problems = append(problems, name+" reaches milky")
		}
		if under(name, "milky") && deps["onebot11"] {
			problems = append(problems, name+" reaches onebot11")
		}
		if dir := direction(name); dir != "" {
			for d := range deps {
				if other := direction(d); other != "" && other != dir {
					problems = append(problems, fmt.Sprintf("%s (direction %s) reaches %s (direction %s)", name, dir, d, other))
				}
			}
		}
		if reachesOB && reachesMilky && !allowedBoth(name) {
			problems = append(problems, name+" reaches both onebot11 and milky; only the mapping packages and the wiring may")
		}
	}
	return problems
}

func allowedBoth(p string) bool {
	for _, a := range bothAllowed {
		if strings.HasSuffix(a, "/") && strings.HasPrefix(p, a) || p == a || strings.HasPrefix(p, a+"/") {
			return true
		}
	}
	return false
}
