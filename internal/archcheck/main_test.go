package main

import (
	"strings"
	"testing"
)

// p builds a package as go list reports it; names are relative to the
// module unless they are standard library packages.
func p(path string, imports []string, deps ...string) *pkg {
	std := map[string]bool{"os": true, "net": true, "net/http": true, "fmt": true, "syscall": true}
	full := func(xs []string) []string {
		out := make([]string, 0, len(xs))
		for _, x := range xs {
			if std[x] {
				out = append(out, x)
			} else {
				out = append(out, mod+"/"+x)
			}
		}
		return out
	}
	return &pkg{ImportPath: mod + "/" + path, Imports: full(imports), Deps: full(deps)}
}

func has(problems []string, want string) bool {
	for _, p := range problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}

// Each boundary rule catches an indirect violation (the cases the old,
// direct-imports-only check let through).
func TestCheckTransitive(t *testing.T) {
	pkgs := map[string]*pkg{
		"idstore":             p("idstore", []string{"os"}, "os"),
		"milky":               p("milky", nil, "idstore", "os"),
		"onebot11":            p("onebot11", nil),
		"helper":              p("helper", []string{"net/http"}, "net/http", "net"),
		"segment":             p("segment", []string{"helper"}, "helper", "net/http", "net", "milky", "onebot11"),
		"translate/milkyob11": p("translate/milkyob11", nil, "eventmap/ob11milky", "milky", "onebot11"),
		"eventmap/ob11milky":  p("eventmap/ob11milky", nil, "milky", "onebot11"),
		"metrics":             p("metrics", nil, "milky", "onebot11"),
	}
	problems := check(pkgs)
	for _, want := range []string{
		"milky must stay pure but reaches idstore, which imports os",
		"segment must stay pure but reaches net/http",
		"translate/milkyob11 (direction milkyob11) reaches eventmap/ob11milky (direction ob11milky)",
		"metrics reaches both onebot11 and milky",
	} {
		if !has(problems, want) {
			t.Errorf("missing problem %q in %q", want, problems)
		}
	}
	if has(problems, "onebot11 must stay pure") {
		t.Errorf("a clean package was flagged: %q", problems)
	}
}

// The real tree: run as part of the suite so a violation fails `go test`
// too, not only the test command's archcheck step.
func TestRepositoryBoundaries(t *testing.T) {
	if testing.Short() {
		t.Skip("go list of the whole module")
	}
	pkgs, err := load()
	if err != nil {
		t.Skip("go list unavailable:", err)
	}
	if problems := check(pkgs); len(problems) > 0 {
		t.Fatalf("package boundaries broken:\n  %s", strings.Join(problems, "\n  "))
	}
}
