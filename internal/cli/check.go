package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"platform/internal/manifests"
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
	format := fs.String("format", "text", "text, json, sarif, markdown, compliance or compliance-md")
	out := fs.String("out", "", "with --format compliance: write the dated, content-hashed report (JSON and Markdown) into this directory")
	commit := fs.String("commit", "", "the commit a compliance report names (default: GITHUB_SHA, else git rev-parse HEAD in --dir)")
	var dirs dirList
	fs.Var(&dirs, "manifests", "kustomize directory to render and check (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "platform check: "+format+"\n", args...)
		return 2
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q: every input is given with a flag (--manifests DIR for each directory)", fs.Arg(0))
	}
	sources := 0
	for _, s := range []string{*stack, *preview, *state, strings.Join(dirs, "")} {
		if s != "" {
			sources++
		}
	}
	if sources != 1 {
		return fail("give exactly one of --stack, --preview-json, --state and --manifests (which may be repeated)")
	}
	compliance := *format == "compliance" || *format == "compliance-md"
	if !slices.Contains(policies.Formats, *format) && !compliance {
		return fail("--format must be one of %s, compliance, compliance-md, got %q", strings.Join(policies.Formats, ", "), *format)
	}
	if *out != "" && *format != "compliance" {
		return fail("--out writes a compliance report: use it with --format compliance")
	}
	if compliance && len(dirs) > 0 {
		return fail("a compliance report is of a stack: use --stack, --preview-json or --state")
	}
	cfg, err := policies.LoadConfig(*configFile)
	if err != nil {
		return fail("invalid pack config: %v", err)
	}

	if len(dirs) > 0 {
		report, err := checkManifests(dirs, cfg)
		if err != nil {
			return fail("%v", err)
		}
		if err := writeManifestReport(stdout, report, *format); err != nil {
			return fail("%v", err)
		}
		if report.Blocks() {
			return 1
		}
		return 0
	}

	var (
		resources     []policies.Resource
		name          string
		stackURN      string
		previewErrors []string
		partial       bool
		subject       policies.ComplianceSubject
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
		subject = policies.ComplianceSubject{Project: p.Project, Source: "offline plan (platform check --stack " + *stack + ")"}
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
		subject = policies.ComplianceSubject{Source: "preview (pulumi preview --json)", Input: filepath.Base(*preview)}
	default:
		b, err := os.ReadFile(*state)
		if err != nil {
			return fail("%v", err)
		}
		if resources, err = policies.ReadState(*state, b); err != nil {
			return fail("%v", err)
		}
		name, stackURN = stackOf(resources)
		subject = policies.ComplianceSubject{Source: "state export (pulumi stack export)", Input: filepath.Base(*state)}
	}

	report := policies.Evaluate(resources, policies.Options{Config: cfg, Stack: name, StackURN: stackURN, PreviewErrors: previewErrors, Partial: partial})
	if compliance {
		subject.Stack = name
		if subject.Project == "" {
			subject.Project = projectOf(stackURN)
		}
		subject.Commit = commitOf(*commit, *dir)
		if err := writeCompliance(stdout, report, subject, *format, *out); err != nil {
			return fail("%v", err)
		}
	} else if err := report.Write(stdout, *format); err != nil {
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

// dirList is a repeatable flag.
type dirList []string

func (d *dirList) String() string { return strings.Join(*d, ",") }

func (d *dirList) Set(v string) error {
	if v == "" {
		return errors.New("name a directory")
	}
	*d = append(*d, v)
	return nil
}

// checkManifests renders each kustomize directory and judges it on its
// own, since an overlay is one Argo CD Application and two overlays of a
// service hold the same objects, then merges the reports into one. The
// pack config's notes are about stacks (account baseline, thresholds
// raised for a project's stack), which rendered objects are not: each
// directory gets a note of what was rendered instead.
func checkManifests(dirs []string, cfg *policies.Config) (*policies.Report, error) {
	var merged *policies.Report
	for _, dir := range dirs {
		resources, err := manifests.Load(dir)
		if err != nil {
			return nil, err
		}
		source := manifests.Source(dir)
		r := policies.Evaluate(resources, policies.Options{Config: cfg, Stack: source, Project: manifests.Project, StackURN: manifests.StackURN(source)})
		r.Notes = []string{fmt.Sprintf("%s: %d objects rendered with kustomize and judged as what Argo CD applies; AWS and account-level controls do not apply to them", source, len(resources))}
		merged = mergeReports(merged, r)
	}
	return merged, nil
}

// mergeReports adds r's findings and counts to into (nil: r itself).
func mergeReports(into, r *policies.Report) *policies.Report {
	if into == nil {
		return r
	}
	into.Stack += ", " + r.Stack
	s, add := &into.Summary, r.Summary
	s.Policies = max(s.Policies, add.Policies)
	s.Resources += add.Resources
	s.Mandatory += add.Mandatory
	s.Advisory += add.Advisory
	s.Waived += add.Waived
	s.Undecided += add.Undecided
	into.Violations = append(into.Violations, r.Violations...)
	into.Waived = append(into.Waived, r.Waived...)
	into.Undecided = append(into.Undecided, r.Undecided...)
	for _, w := range r.ExpiredWaivers {
		if !slices.ContainsFunc(into.ExpiredWaivers, func(x policies.Waiver) bool {
			return x.Policy == w.Policy && x.Expires == w.Expires && slices.Equal(x.Resources, w.Resources)
		}) {
			into.ExpiredWaivers = append(into.ExpiredWaivers, w)
		}
	}
	into.Notes = append(into.Notes, r.Notes...)
	return into
}

// writeManifestReport writes a report of rendered manifests. SARIF results
// point at each directory's kustomization file, the source a reviewer
// opens, rather than at a stack file.
func writeManifestReport(w io.Writer, r *policies.Report, format string) error {
	if format != "sarif" {
		return r.Write(w, format)
	}
	b, err := json.Marshal(r.SARIF())
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	runs, _ := doc["runs"].([]any)
	for _, run := range runs {
		results, _ := run.(map[string]any)["results"].([]any)
		for _, res := range results {
			locations, _ := res.(map[string]any)["locations"].([]any)
			for _, loc := range locations {
				l := loc.(map[string]any)
				logical, _ := l["logicalLocations"].([]any)
				if len(logical) == 0 {
					continue
				}
				urn, _ := logical[0].(map[string]any)["fullyQualifiedName"].(string)
				dir := stackName(urn)
				file, ok := manifests.KustomizationFile(dir)
				if !ok {
					file = dir + "/kustomization.yaml"
				}
				l["physicalLocation"] = map[string]any{"artifactLocation": map[string]any{"uri": filepath.ToSlash(file)}}
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
