// Command archcheck enforces the package boundaries of DEVELOPERS.md: only
// translate/ and eventmap/ may import both protocol packages, the protocol
// packages may not import each other, and translate/ and eventmap/ may not
// import I/O-owning packages of the gateway (transports, stores, runtime).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

const mod = "github.com/qqbridge/gateway/"

func main() {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \",\"}} {{join .Deps \" \"}}", "./...").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "archcheck: go list:", err)
		os.Exit(2)
	}
	var problems []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg := strings.TrimPrefix(fields[0], mod)
		direct := map[string]bool{}
		deps := map[string]bool{}
		if len(fields) > 1 {
			for _, d := range strings.Split(fields[1], ",") {
				direct[strings.TrimPrefix(d, mod)] = true
			}
			for _, d := range fields[2:] {
				deps[strings.TrimPrefix(d, mod)] = true
			}
		}
		both := deps["onebot11"] && deps["milky"]
		switch {
		case pkg == "onebot11" || strings.HasPrefix(pkg, "onebot11/"):
			if deps["milky"] {
				problems = append(problems, pkg+" imports milky")
			}
		case pkg == "milky" || strings.HasPrefix(pkg, "milky/"):
			if deps["onebot11"] {
				problems = append(problems, pkg+" imports onebot11")
			}
		case pkg == "translate" || pkg == "eventmap":
			// Direct imports: the protocol packages themselves use the OS.
			for _, banned := range []string{"bridge", "simulator", "config", "metrics", "net", "net/http", "os", "os/exec", "github.com/gorilla/websocket", "go.etcd.io/bbolt"} {
				if direct[banned] {
					problems = append(problems, pkg+" must stay pure but depends on "+banned)
				}
			}
		case both && !allowedBoth[pkg]:
			problems = append(problems, pkg+" depends on both onebot11 and milky; only translate/, eventmap/ and the wiring may")
		}
	}
	if len(problems) > 0 {
		fmt.Fprintln(os.Stderr, "archcheck:\n  "+strings.Join(problems, "\n  "))
		os.Exit(1)
	}
	fmt.Println("archcheck: package boundaries hold")
}

// allowedBoth are the packages that wire the two protocols together without
// mapping logic (they depend on translate/eventmap, which know both).
var allowedBoth = map[string]bool{
	"translate": true, "eventmap": true, "bridge": true, "cmd/gateway": true,
	"simulator":          true, // serves the Milky world and, for `simulate --protocol onebot11`, runs it through the gateway
	"internal/archcheck": true, "deploy": true,
	"internal/coverage": true, // renders COVERAGE.md from the translate and eventmap tables
}
