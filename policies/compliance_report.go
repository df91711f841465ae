package policies

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteMarkdown prints the report for reading and printing: what was
// checked, a summary per framework, then each framework's controls with
// their evidence, and the controls the pack does not cover.
func (c *ComplianceReport) WriteMarkdown(w io.Writer) error {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Compliance report: %s\n\n", c.Subject.Stack)
	p("| | |\n|---|---|\n")
	stack := c.Subject.Stack
	if c.Subject.Project != "" {
		stack = c.Subject.Project + "/" + stack
	}
	p("| Stack | %s |\n", stack)
	checked := c.Subject.Source
	if c.Subject.Input != "" {
		checked += " (" + c.Subject.Input + ")"
	}
	p("| Checked | %s, %d resources |\n", mdEscape(checked), c.Subject.Resources)
	if c.Subject.Commit != "" {
		p("| Commit | %s |\n", c.Subject.Commit)
	}
	p("| Policy pack | %s %s: %d policies run, %d disabled |\n", c.Pack.Name, c.Pack.Version, c.Pack.Policies, c.Pack.Disabled)
	p("| Generated | %s |\n", c.GeneratedAt)
	if c.Digest != "" {
		p("| Digest | `%s` |\n", c.Digest)
	}
	p("\nStatuses: **pass** (the policies judged the resources listed and found nothing), **fail**, **waived** (a finding an approved, unexpired waiver covers: reason, approver and expiry given), **undecided** (a value is unknown until deployment, or the policy is disabled), **not applicable** (no resource of the kinds the policies judge exists in this stack), **not covered** (a control of the framework no policy implements: it is not evidenced by this report).\n\n")

	p("## Summary\n\n| framework | in scope | pass | fail | waived | undecided | not applicable | not covered |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, f := range c.Frameworks {
		nc := fmt.Sprint(f.Summary.NotCovered)
		if !f.HasCatalog {
			nc = "n/a (no catalog)"
		}
		p("| %s | %d | %d | %d | %d | %d | %d | %s |\n", frameworkTitle(f.Framework), f.Summary.InScope, f.Summary.Pass, f.Summary.Fail, f.Summary.Waived, f.Summary.Undecided, f.Summary.NotApplicable, nc)
	}
	if len(c.Waivers) > 0 {
		p("\n**Expired waivers** (they no longer waive; their findings count as failures):\n\n")
		for _, wv := range c.Waivers {
			p("- `%s`: %s (approved by %s, expired %s)\n", wv.Policy, mdEscape(wv.Reason), wv.ApprovedBy, wv.Expires)
		}
	}
	if len(c.Notes) > 0 {
		p("\n**How the pack config applied to this stack:**\n\n")
		for _, n := range c.Notes {
			p("- %s\n", mdEscape(n))
		}
	}

	for _, f := range c.Frameworks {
		p("\n## %s\n\n", frameworkTitle(f.Framework))
		if len(f.Controls) > 0 {
			p("| control | title | status | policies | resources checked |\n|---|---|---|---|---|\n")
			for _, ct := range f.Controls {
				var names []string
				for _, pr := range ct.Policies {
					names = append(names, "`"+pr.Name+"`")
				}
				p("| %s | %s | **%s** | %s | %s |\n", ct.ID, mdEscape(ct.Title), ct.Status, strings.Join(names, ", "), checkedSummary(ct))
			}
		}
		for _, ct := range f.Controls {
			if ct.Status == StatusPass || ct.Status == StatusNotApplicable {
				continue
			}
			p("\n### %s %s: %s\n\n", f.Name, ct.ID, ct.Status)
			for _, pr := range ct.Policies {
				for _, fd := range pr.Failures {
					p("- **fail** `%s` on %s: %s\n", pr.Name, subjectName(fd.Subject), mdEscape(fd.Message))
				}
				if len(pr.Failures) > 0 && pr.Remediation != "" {
					p("  - remediation: %s\n", mdEscape(pr.Remediation))
				}
				for _, fd := range pr.Waived {
					p("- **waived** `%s` on %s: %s\n", pr.Name, subjectName(fd.Subject), mdEscape(fd.Message))
					if fd.Waiver != nil {
						p("  - waiver: %s; approved by %s; expires %s\n", mdEscape(fd.Waiver.Reason), fd.Waiver.ApprovedBy, fd.Waiver.Expires)
					}
				}
				for _, fd := range pr.Undecided {
					p("- **undecided** `%s` on %s: %s\n", pr.Name, subjectName(fd.Subject), mdEscape(fd.Message))
				}
			}
		}
		switch {
		case !f.HasCatalog:
			p("\nNo catalog of this framework is kept (a tool's check list, not an audit framework): the ids above are the references the policies carry, and coverage of the rest is not computed.\n")
		case len(f.NotCovered) > 0:
			p("\n<details><summary>%d controls of %s the pack does not cover</summary>\n\n", len(f.NotCovered), f.Name)
			for _, e := range f.NotCovered {
				p("- %s %s\n", e.ID, mdEscape(e.Title))
			}
			p("\n</details>\n")
		}
	}
	return nil
}

func frameworkTitle(f Framework) string {
	if f.Version != "" {
		return f.Name + " " + f.Version
	}
	return f.Name
}

// checkedSummary counts a control's judged resources by type.
func checkedSummary(ct ControlResult) string {
	byType := map[string]int{}
	seen := map[string]bool{}
	for _, pr := range ct.Policies {
		for _, s := range pr.Checked {
			if !seen[s.URN] {
				seen[s.URN] = true
				byType[s.Type[strings.LastIndex(s.Type, ":")+1:]]++
			}
		}
	}
	if len(seen) == 0 {
		return "none of the kinds judged"
	}
	var parts []string
	for t, n := range byType {
		parts = append(parts, fmt.Sprintf("%s %d", t, n))
	}
	sort.Strings(parts)
	return fmt.Sprintf("%d (%s)", len(seen), strings.Join(parts, ", "))
}

func subjectName(s Subject) string {
	if s.URN == "" {
		return "the stack"
	}
	return fmt.Sprintf("`%s` (%s)", s.Name, s.Type[strings.LastIndex(s.Type, ":")+1:])
}

// ComplianceChange is one control whose status differs between reports.
type ComplianceChange struct {
	Framework string        `json:"framework"`
	Control   string        `json:"control"`
	Title     string        `json:"title,omitempty"`
	From      ControlStatus `json:"from"`
	To        ControlStatus `json:"to"`
	// Why names what changed: "started failing", "a waiver expired",
	// "fixed", "newly covered", "no longer covered"...
	Why string `json:"why"`
}

// ComplianceDiff is what changed between two reports of a stack.
type ComplianceDiff struct {
	Old     string             `json:"old"`
	New     string             `json:"new"`
	Changes []ComplianceChange `json:"changes"`
	// ExpiredWaivers are waivers expired in the new report and not in the
	// old one.
	ExpiredWaivers []ComplianceWaiver `json:"expiredWaivers"`
}

// Regressions counts the changes that made a control worse.
func (d *ComplianceDiff) Regressions() int {
	n := 0
	for _, c := range d.Changes {
		if c.To.rank() < c.From.rank() && c.To.rank() <= StatusWaived.rank() {
			n++
		}
	}
	return n
}

// DiffCompliance compares an old and a new report control by control.
func DiffCompliance(old, cur *ComplianceReport) *ComplianceDiff {
	d := &ComplianceDiff{Old: old.Digest, New: cur.Digest, Changes: []ComplianceChange{}, ExpiredWaivers: []ComplianceWaiver{}}
	type key struct{ fw, id string }
	status := func(r *ComplianceReport) (map[key]ControlStatus, map[key]string, map[string]string) {
		st, titles, names := map[key]ControlStatus{}, map[key]string{}, map[string]string{}
		for _, f := range r.Frameworks {
			names[f.ID] = frameworkTitle(f.Framework)
			for _, c := range f.Controls {
				st[key{f.ID, c.ID}], titles[key{f.ID, c.ID}] = c.Status, c.Title
			}
			for _, e := range f.NotCovered {
				st[key{f.ID, e.ID}], titles[key{f.ID, e.ID}] = StatusNotCovered, e.Title
			}
		}
		return st, titles, names
	}
	was, _, _ := status(old)
	now, titles, names := status(cur)
	oldExpired := map[string]bool{}
	for _, w := range old.Waivers {
		oldExpired[w.Policy+"\x00"+w.Expires] = true
	}
	newlyExpired := map[string]bool{}
	for _, w := range cur.Waivers {
		if !oldExpired[w.Policy+"\x00"+w.Expires] {
			d.ExpiredWaivers = append(d.ExpiredWaivers, w)
			newlyExpired[w.Policy] = true
		}
	}
	policiesOf := map[key][]string{}
	for _, f := range cur.Frameworks {
		for _, c := range f.Controls {
			for _, pr := range c.Policies {
				policiesOf[key{f.ID, c.ID}] = append(policiesOf[key{f.ID, c.ID}], pr.Name)
			}
		}
	}
	var keys []key
	for k := range now {
		keys = append(keys, k)
	}
	for k := range was {
		if _, ok := now[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		from, okFrom := was[k]
		to, okTo := now[k]
		if !okFrom {
			from = StatusNotCovered
		}
		if !okTo {
			to = StatusNotCovered
		}
		if from == to {
			continue
		}
		why := "changed"
		switch {
		case to == StatusFail && from == StatusWaived && expiredFor(policiesOf[k], newlyExpired):
			why = "a waiver expired"
		case to == StatusFail:
			why = "started failing"
		case from == StatusFail:
			why = "fixed"
		case to == StatusWaived:
			why = "waived"
		case to == StatusNotCovered:
			why = "no longer covered by the pack"
		case from == StatusNotCovered:
			why = "newly covered by the pack"
		case to == StatusUndecided:
			why = "no longer decided"
		}
		fw := names[k.fw]
		if fw == "" {
			fw = k.fw
		}
		d.Changes = append(d.Changes, ComplianceChange{Framework: fw, Control: k.id, Title: titles[k], From: from, To: to, Why: why})
	}
	sort.Slice(d.Changes, func(i, j int) bool {
		a, b := d.Changes[i], d.Changes[j]
		if a.To.rank() != b.To.rank() {
			return a.To.rank() < b.To.rank()
		}
		if a.Framework != b.Framework {
			return a.Framework < b.Framework
		}
		return naturalLess(a.Control, b.Control)
	})
	return d
}

func expiredFor(policies []string, expired map[string]bool) bool {
	for _, p := range policies {
		if expired[p] {
			return true
		}
	}
	return false
}

// WriteText prints a diff: one line per changed control, worst first.
func (d *ComplianceDiff) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Compliance change from %s to %s: %d controls changed, %d regressions\n", short(d.Old), short(d.New), len(d.Changes), d.Regressions())
	for _, c := range d.Changes {
		fmt.Fprintf(w, "  %s %s: %s -> %s (%s)%s\n", c.Framework, c.Control, c.From, c.To, c.Why, titleSuffix(c.Title))
	}
	for _, wv := range d.ExpiredWaivers {
		fmt.Fprintf(w, "  waiver of %s expired %s (%s, approved by %s)\n", wv.Policy, wv.Expires, wv.Reason, wv.ApprovedBy)
	}
}

// WriteMarkdown prints a diff as a table.
func (d *ComplianceDiff) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "### Compliance change: %d controls changed, %d regressions\n\n", len(d.Changes), d.Regressions())
	fmt.Fprintf(w, "From `%s` to `%s`.\n\n", short(d.Old), short(d.New))
	if len(d.Changes) > 0 {
		fmt.Fprintf(w, "| framework | control | title | was | is | why |\n|---|---|---|---|---|---|\n")
		for _, c := range d.Changes {
			fmt.Fprintf(w, "| %s | %s | %s | %s | **%s** | %s |\n", c.Framework, c.Control, mdEscape(c.Title), c.From, c.To, c.Why)
		}
	}
	for _, wv := range d.ExpiredWaivers {
		fmt.Fprintf(w, "\n- waiver of `%s` expired %s (%s, approved by %s)\n", wv.Policy, wv.Expires, mdEscape(wv.Reason), wv.ApprovedBy)
	}
}

func titleSuffix(t string) string {
	if t == "" {
		return ""
	}
	if len(t) > 80 {
		t = t[:77] + "..."
	}
	return ": " + t
}

func short(digest string) string {
	d := strings.TrimPrefix(digest, "sha256:")
	if len(d) > 12 {
		return "sha256:" + d[:12]
	}
	return digest
}
