package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"platform/internal/plan"
	"platform/policies"
	"platform/stacks"
)

func checkCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack to plan and check")
	preview := fs.String("preview-json", "", "pulumi preview --json output to check")
	state := fs.String("state", "", "pulumi stack export output to check")
	dir := fs.String("dir", ".", "project directory")
	configFile := fs.String("config", "", "pack config file")
	format := fs.String("format", "text", "text, json, sarif or markdown")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "platform check: "+format+"\n", args...)
		return 2
	}
	sources := 0
	for _, s := range []string{*stack, *preview, *state} {
		if s != "" {
			sources++
		}
	}
	if sources != 1 {
		return fail("give exactly one of --stack, --preview-json and --state")
	}
	if !slices.Contains(policies.Formats, *format) {
		return fail("--format must be one of %s, got %q", strings.Join(policies.Formats, ", "), *format)
	}
	cfg, err := policies.LoadConfig(*configFile)
	if err != nil {
		return fail("invalid pack config: %v", err)
	}

	var (
		resources     []policies.Resource
		name          string
		stackURN      string
		previewErrors []string
		partial       bool
	)
	switch {
	case *stack != "":
		planner, err := plan.NewPlanner(*dir, stacks.Program)
		if err != nil {
			return fail("%v", err)
		}
		p, err := planner.Plan(*stack)
		if errors.Is(err, plan.ErrUnknownStack) {
			return fail("%v", err)
		}
		if err != nil {
			fmt.Fprintf(stderr, "platform check: the stack does not plan: %v\n", err)
			return 1
		}
		resources, name = policies.FromPlan(p), *stack
		stackURN = fmt.Sprintf("urn:pulumi:%s::%s::pulumi:pulumi:Stack::%s-%s", p.Stack, p.Project, p.Project, p.Stack)
	case *preview != "":
		b, err := os.ReadFile(*preview)
		if err != nil {
			return fail("%v", err)
		}
		p, err := policies.ReadPreview(*preview, b)
		if err != nil {
			return fail("%v", err)
		}
		resources, previewErrors, partial = p.Resources, p.Errors, p.Partial
		name, stackURN = stackOf(resources)
	default:
		b, err := os.ReadFile(*state)
		if err != nil {
			return fail("%v", err)
		}
		if resources, err = policies.ReadState(*state, b); err != nil {
			return fail("%v", err)
		}
		name, stackURN = stackOf(resources)
	}

	report := policies.Evaluate(resources, policies.Options{Config: cfg, Stack: name, StackURN: stackURN, PreviewErrors: previewErrors, Partial: partial})
	if err := report.Write(stdout, *format); err != nil {
		return fail("%v", err)
	}
	if report.Blocks() {
		return 1
	}
	return 0
}

// stackOf reads the stack name and root URN from the resources' URNs.
func stackOf(resources []policies.Resource) (string, string) {
	for _, r := range resources {
		if r.Type == "pulumi:pulumi:Stack" {
			return stackName(r.URN), r.URN
		}
	}
	if len(resources) > 0 {
		return stackName(resources[0].URN), ""
	}
	return "", ""
}

// stackName is the stack part of urn:pulumi:<stack>::<project>::...
func stackName(urn string) string {
	rest := strings.TrimPrefix(urn, "urn:pulumi:")
	if i := strings.Index(rest, "::"); i >= 0 {
		return rest[:i]
	}
	return ""
}
