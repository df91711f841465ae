// Command logql checks the LogQL of Loki ruler rule files with Loki's own
// parser, the one the ruler runs on every expression it loads, so that a
// log-based alert that Loki would reject fails the rule tests (make
// test-rules) instead of the ruler at deploy time. It lives in a wrapper
// module of its own so that the platform's module does not build against
// Loki.
//
//	logql rules.yaml [more.yaml ...]
//	logql --version
//
// The files are Prometheus rule files (groups[].rules[] with alert or
// record and expr). Every expression must parse, pass the parser's own
// validation (at least one matcher that selects specific streams, and the
// like) and be a metric query: the ruler evaluates an expression into
// samples, and a log query has none. Each problem is printed as
// `file: group/rule: error`, and any problem exits 1.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/grafana/loki/v3/pkg/logql/syntax"
	"go.yaml.in/yaml/v3"
)

const lokiModule = "github.com/grafana/loki/v3"

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert  string `yaml:"alert"`
			Record string `yaml:"record"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// lokiVersion is the Loki module this binary was built against.
func lokiVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == lokiModule {
				return dep.Version
			}
		}
	}
	return "unknown"
}

func main() {
	args := os.Args[1:]
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-version") {
		fmt.Printf("logql: Loki version %s\n", lokiVersion())
		return
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: logql rules.yaml [more.yaml ...]")
		os.Exit(2)
	}
	problems, exprs := 0, 0
	for _, file := range args {
		b, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			problems++
			continue
		}
		var f ruleFile
		if err := yaml.Unmarshal(b, &f); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			problems++
			continue
		}
		if len(f.Groups) == 0 {
			fmt.Fprintf(os.Stderr, "%s: no rule groups\n", file)
			problems++
		}
		for _, g := range f.Groups {
			for i, r := range g.Rules {
				name := r.Alert
				if name == "" {
					name = r.Record
				}
				if name == "" {
					name = fmt.Sprintf("rule %d", i)
				}
				exprs++
				if err := check(r.Expr); err != nil {
					fmt.Fprintf(os.Stderr, "%s: %s/%s: %v\n", file, g.Name, name, err)
					problems++
				}
			}
		}
	}
	if problems > 0 {
		fmt.Fprintf(os.Stderr, "logql: %d problem(s) in %d expression(s) (Loki %s)\n", problems, exprs, lokiVersion())
		os.Exit(1)
	}
	fmt.Printf("logql: %d expression(s) in %d file(s) parse as LogQL metric queries (Loki %s)\n", exprs, len(args), lokiVersion())
}

// check parses expr as the ruler does (syntax.ParseExpr, with its
// validation) and requires a metric query (syntax.ParseSampleExpr).
func check(expr string) error {
	if expr == "" {
		return fmt.Errorf("empty expr")
	}
	_, err := syntax.ParseSampleExpr(expr)
	return err
}
