// Package cli is the `platform` command (cmd/platform): it plans the
// platform's stacks offline by running the very same Pulumi program
// (package stacks) under the embedded mock engine, with no cloud
// credentials, no Pulumi CLI and no network, and prints what would be
// created; check judges a stack, what the Pulumi CLI printed, or the
// manifests Argo CD applies against the policy pack.
//
//	platform plan --stack production [--dir .] [--format text|json]
//	platform check --stack production | --preview-json FILE | --state FILE | --manifests DIR...
//	platform check --stack production --format compliance [--out DIR]
//	platform compliance diff OLD.json NEW.json
//	platform cost --stack production [--usage FILE] [--format text|json|markdown]
//	platform cost diff --stack production --base FILE|--base-ref REF [--format text|json|markdown]
//
// Exit status: 0 planned, 1 the program or its config failed, 2 bad usage
// or an unknown stack.
package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"platform/internal/plan"
	"platform/stacks"
)

const usage = `usage: platform <command> [flags]

commands:
  plan   plan a stack offline and print what would be created
         --stack NAME   stack to plan (a Pulumi.NAME.yaml in --dir); required
         --dir DIR      project directory holding Pulumi.yaml (default .)
         --format FMT   text (a tree by parent and a count by type) or json
  check  run the policy pack; exit 0 when no mandatory violation, 1 when
         there is one, 2 for bad input
         --stack NAME          plan the stack offline (as plan does) and check it
         --preview-json FILE   check what 'pulumi preview --json' printed
         --state FILE          check what 'pulumi stack export' printed
         --manifests DIR       render a kustomize directory (what Argo CD
                               applies) and check its objects; repeat it for
                               several directories, each judged on its own
         --dir DIR             project directory (default .)
         --config FILE         pack config (default: the embedded policies/pack.yaml)
         --format FMT          text, json, sarif or markdown; compliance
                               (JSON) or compliance-md (Markdown): the
                               verdict per framework and control, with the
                               resources judged and the evidence
         --out DIR             with --format compliance: write the dated,
                               content-hashed report (.json and .md) there
         --commit SHA          the commit the report names (default
                               GITHUB_SHA, else the checkout's HEAD)
  compliance diff OLD NEW  what changed between two compliance reports
         of a stack: controls that started failing, waivers that expired,
         controls fixed or newly covered
         --format FMT           text, json or markdown
         --fail-on-regression   exit 1 when a control got worse
  cost   plan a stack offline and estimate what it costs a month (list
         prices embedded in the binary; every resource priced, free with
         the reason, or listed as unpriced)
         --stack NAME   stack to price; required
         --usage FILE   usage quantities (YAML, usage: {key: number}); the
                        defaults are documented in internal/cost
         --dir DIR      project directory (default .)
         --format FMT   text, json (the report, a contract) or markdown
  cost diff  the monthly difference per resource and in total between a
         base and the stack as it is in --dir (a pull request's cost)
         --stack NAME      stack to compare; required
         --base FILE       the base: a platform cost --format json report
         --base-ref REF    the base: the stack at a Git ref, priced by that
                           ref's own platform cost in a temporary worktree
         --usage FILE, --dir DIR as for cost
         --format FMT      text, json or markdown (a pull-request comment)
`

// Run runs the command with its arguments (without the program name) and
// returns the exit status.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "plan":
		return planCommand(args[1:], stdout, stderr)
	case "check":
		return checkCommand(args[1:], stdout, stderr)
	case "cost":
		return costCommand(args[1:], stdout, stderr)
	case "compliance":
		return complianceCommand(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "platform: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

func planCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack to plan")
	dir := fs.String("dir", ".", "project directory")
	format := fs.String("format", "text", "text or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *stack == "" {
		fmt.Fprintln(stderr, "platform plan: --stack is required")
		return 2
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "platform plan: --format must be text or json, got %q\n", *format)
		return 2
	}
	p, code := planStack("plan", *dir, *stack, stderr)
	if p == nil {
		return code
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p); err != nil {
			fmt.Fprintf(stderr, "platform plan: %v\n", err)
			return 1
		}
		return 0
	}
	writeText(stdout, p)
	return 0
}

// planStack plans a stack offline for a command; on failure it says why
// and returns the exit status: 2 for an unknown stack or project, 1 when
// the program or its config fails.
func planStack(command, dir, stack string, stderr io.Writer) (*plan.Plan, int) {
	planner, err := plan.NewPlanner(dir, stacks.Program)
	if err != nil {
		fmt.Fprintf(stderr, "platform %s: %v\n", command, err)
		return nil, 2
	}
	p, err := planner.Plan(stack)
	if err != nil {
		fmt.Fprintf(stderr, "platform %s: %v\n", command, err)
		if errors.Is(err, plan.ErrUnknownStack) {
			return nil, 2
		}
		return nil, 1
	}
	return p, 0
}

// writeText prints the resource tree by parent, then a count by type.
func writeText(w io.Writer, p *plan.Plan) {
	fmt.Fprintf(w, "Plan of %s/%s: %d resources (offline, mock engine: ids and ARNs are placeholders)\n\n", p.Project, p.Stack, len(p.Resources))
	children := map[string][]plan.Resource{}
	known := map[string]bool{}
	for _, r := range p.Resources {
		known[r.URN] = true
	}
	var roots []plan.Resource
	for _, r := range p.Resources {
		if r.Parent == "" || !known[r.Parent] {
			roots = append(roots, r)
			continue
		}
		children[r.Parent] = append(children[r.Parent], r)
	}
	var walk func(r plan.Resource, prefix string, last bool, depth int)
	walk = func(r plan.Resource, prefix string, last bool, depth int) {
		branch, next := "├─ ", "│  "
		if last {
			branch, next = "└─ ", "   "
		}
		if depth == 0 {
			branch, next = "", ""
		}
		fmt.Fprintf(w, "%s%s%s %s%s\n", prefix, branch, r.Type, r.Name, flags(r))
		kids := children[r.URN]
		for i, c := range kids {
			walk(c, prefix+next, i == len(kids)-1, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, "", true, 0)
	}

	fmt.Fprintf(w, "\nResources by type:\n")
	counts := p.CountByType()
	types := p.Types()
	sort.Slice(types, func(i, j int) bool {
		if counts[types[i]] != counts[types[j]] {
			return counts[types[i]] > counts[types[j]]
		}
		return types[i] < types[j]
	})
	for _, t := range types {
		fmt.Fprintf(w, "  %4d  %s\n", counts[t], t)
	}
	fmt.Fprintf(w, "  %4d  total\n", len(p.Resources))
	if len(p.Outputs) > 0 {
		var keys []string
		for k := range p.Outputs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(w, "\nOutputs: %s\n", strings.Join(keys, ", "))
	}
}

func flags(r plan.Resource) string {
	var f []string
	if r.Protect {
		f = append(f, "protect")
	}
	if r.RetainOnDelete {
		f = append(f, "retain")
	}
	if r.Read {
		f = append(f, "read")
	}
	if len(f) == 0 {
		return ""
	}
	return "  [" + strings.Join(f, ", ") + "]"
}
