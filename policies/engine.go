package policies

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Finding is one violation (or undecided check) of a policy.
type Finding struct {
	Policy      string      `json:"policy"`
	Severity    Severity    `json:"severity"`
	Enforcement Enforcement `json:"enforcement"`
	URN         string      `json:"urn"`
	Type        string      `json:"type"`
	Name        string      `json:"name"`
	Message     string      `json:"message"`
	Frameworks  []string    `json:"frameworks"`
	// Waiver is the waiver that covers the finding, in the waived list.
	Waiver *Waiver `json:"waiver,omitempty"`

	warning bool
	opaque  bool
}

// Summary counts a report. The field names are a contract.
type Summary struct {
	Policies  int `json:"policies"`
	Resources int `json:"resources"`
	Mandatory int `json:"mandatory"`
	Advisory  int `json:"advisory"`
	Waived    int `json:"waived"`
	Undecided int `json:"undecided"`
	// PreviewErrors counts the error diagnostics of the preview checked:
	// more than zero, and the preview failed.
	PreviewErrors int `json:"previewErrors"`
}

// Report is the result of evaluating the pack over a stack.
type Report struct {
	Stack   string  `json:"stack,omitempty"`
	Summary Summary `json:"summary"`
	// Violations are unwaived findings of mandatory and advisory policies.
	Violations []Finding `json:"violations"`
	// Waived are findings a valid waiver covers.
	Waived []Finding `json:"waived"`
	// Undecided are checks whose values are unknown until deployment.
	Undecided []Finding `json:"undecided"`
	// ExpiredWaivers no longer waive; their findings are violations again.
	ExpiredWaivers []Waiver `json:"expiredWaivers"`
	// PreviewErrors are the error diagnostics of a failed preview.
	PreviewErrors []string `json:"previewErrors,omitempty"`
	// Notes say how the pack config applied to this stack: account-level
	// controls not required of it, thresholds raised for it.
	Notes []string `json:"notes"`
	// Evaluations say what each policy of the pack judged: the evidence
	// of a compliance report (Compliance). Not part of the findings JSON.
	Evaluations []Evaluation `json:"-"`
}

// Evaluation is one policy's run over a stack: the resources it judged,
// whatever it found.
type Evaluation struct {
	Policy *Policy
	// Enforcement is the level the pack config gave it; Disabled policies
	// judged nothing.
	Enforcement Enforcement
	// Checked are the stack's resources of the policy's types.
	Checked []Subject
}

// Subject names a resource a policy judged.
type Subject struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
}

// HasMandatory reports whether a mandatory violation blocks the deploy.
func (r *Report) HasMandatory() bool { return r.Summary.Mandatory > 0 }

// Blocks reports whether the deployment must not go ahead: a mandatory
// violation, or a preview that failed (a failed preview never passes,
// whatever its partial steps contain).
func (r *Report) Blocks() bool { return r.HasMandatory() || r.Summary.PreviewErrors > 0 }

// Options of one evaluation.
type Options struct {
	// Config is the pack config; nil means defaults.
	Config *Config
	// Stack names the stack (waivers may be limited to stacks).
	Stack string
	// Project names the stack's project; empty: read from the resources'
	// URNs. Per-stack params are keyed project/stack.
	Project string
	// StackURN is the root URN that stack-level findings name.
	StackURN string
	// Now decides waiver expiry; zero means time.Now().
	Now time.Time
	// PreviewErrors are the error diagnostics of the preview checked.
	PreviewErrors []string
	// Partial says the resources are only some of the stack's (a plain
	// update preview): absence decides nothing.
	Partial bool
}

// Evaluate runs every enabled policy over the resources.
func Evaluate(resources []Resource, opts Options) *Report {
	return evaluate(All(), resources, opts)
}

// EvaluatePolicy runs one policy over the resources, with the config's
// enforcement and waivers: how the CrossGuard pack runs each policy.
func EvaluatePolicy(p *Policy, resources []Resource, opts Options) *Report {
	return evaluate([]*Policy{p}, resources, opts)
}

func evaluate(pack []*Policy, resources []Resource, opts Options) *Report {
	cfg := opts.Config
	if cfg == nil {
		cfg, _ = ParseConfig(nil, "defaults")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	stackURN := opts.StackURN
	if stackURN == "" {
		stackURN = fmt.Sprintf("urn:pulumi:%s::stack::pulumi:pulumi:Stack::%s", opts.Stack, opts.Stack)
	}
	project := opts.Project
	if project == "" {
		project = projectOf(opts.StackURN, resources)
	}
	params := cfg.ParamsFor(project, opts.Stack)
	stack := NewStack(resources)
	stack.Partial = opts.Partial
	report := &Report{Stack: opts.Stack, Violations: []Finding{}, Waived: []Finding{}, Undecided: []Finding{}, ExpiredWaivers: []Waiver{}, Notes: []string{}}
	report.Summary.Resources = len(resources)
	report.PreviewErrors = opts.PreviewErrors
	report.Summary.PreviewErrors = len(opts.PreviewErrors)

	expired := map[int]bool{}
	for _, p := range pack {
		level := cfg.EnforcementOf(p)
		ev := Evaluation{Policy: p, Enforcement: level, Checked: []Subject{}}
		if level == Disabled {
			report.Evaluations = append(report.Evaluations, ev)
			continue
		}
		for _, r := range stack.OfType(p.Types...) {
			ev.Checked = append(ev.Checked, Subject{URN: r.URN, Type: r.Type, Name: r.Name})
		}
		report.Evaluations = append(report.Evaluations, ev)
		report.Summary.Policies++
		c := &Check{Policy: p, Params: params, Now: now, StackURN: stackURN}
		if p.Resource != nil {
			for _, r := range stack.OfType(p.Types...) {
				if r.Opaque() {
					c.undecidedBecause(r, "the component's inputs are not in the preview (its plugin constructs it); its children are checked on their own")
					continue
				}
				p.Resource(c, r)
			}
		} else {
			p.Stack(c, stack)
			c.opaqueFindingsUndecided()
		}
		for _, f := range c.undecided {
			f.Enforcement = level
			report.Undecided = append(report.Undecided, f)
		}
	findings:
		for _, f := range c.findings {
			f.Enforcement = level
			if f.warning {
				f.Enforcement = Advisory // a warning of a policy, whatever its level
			}
			for i := range cfg.Waivers {
				w := &cfg.Waivers[i]
				if !w.Covers(f, opts.Stack) {
					continue
				}
				if w.Expired(now) {
					expired[i] = true
					f.Message += fmt.Sprintf(" (waiver expired %s)", w.Expires)
					continue
				}
				wc := *w
				f.Waiver = &wc
				report.Waived = append(report.Waived, f)
				continue findings
			}
			report.Violations = append(report.Violations, f)
		}
	}
	for i := range cfg.Waivers {
		if expired[i] {
			report.ExpiredWaivers = append(report.ExpiredWaivers, cfg.Waivers[i])
		}
	}
	sortFindings(report.Violations)
	sortFindings(report.Waived)
	sortFindings(report.Undecided)
	for _, f := range report.Violations {
		if f.Enforcement == Mandatory {
			report.Summary.Mandatory++
		} else {
			report.Summary.Advisory++
		}
	}
	report.Notes = append(report.Notes, cfg.paramNotes(project, opts.Stack)...)
	if opts.Partial {
		report.Notes = append(report.Notes, "the preview lists only the resources that change: what it does not list was not judged, and checks that need it are undecided (run pulumi preview --json --show-sames to judge the whole stack)")
	}
	report.Summary.Waived = len(report.Waived)
	report.Summary.Undecided = len(report.Undecided)
	return report
}

// projectOf reads the project from the stack's root URN, else from the
// resources' (urn:pulumi:<stack>::<project>::...).
func projectOf(stackURN string, resources []Resource) string {
	for _, urn := range append([]string{stackURN}, firstURN(resources)) {
		if rest, ok := strings.CutPrefix(urn, "urn:pulumi:"); ok {
			if parts := strings.SplitN(rest, "::", 3); len(parts) == 3 {
				return parts[1]
			}
		}
	}
	return ""
}

func firstURN(resources []Resource) string {
	if len(resources) == 0 {
		return ""
	}
	return resources[0].URN
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Enforcement != b.Enforcement {
			return a.Enforcement == Mandatory
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		if a.Policy != b.Policy {
			return a.Policy < b.Policy
		}
		return a.URN < b.URN
	})
}
