package policies

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats a report can be written in.
var Formats = []string{"text", "json", "sarif", "markdown"}

// Write writes the report in a format.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "text":
		return r.writeText(w)
	case "json":
		return writeJSON(w, r)
	case "sarif":
		return writeJSON(w, r.SARIF())
	case "markdown":
		return r.writeMarkdown(w)
	}
	return fmt.Errorf("unknown format %q: use %s", format, strings.Join(Formats, ", "))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var severities = []Severity{Critical, High, Medium, Low}

func (r *Report) writeText(w io.Writer) error {
	s := r.Summary
	fmt.Fprintf(w, "Policy check of %s: %d policies over %d resources\n", r.Stack, s.Policies, s.Resources)
	fmt.Fprintf(w, "  %d mandatory, %d advisory, %d waived, %d undecided\n", s.Mandatory, s.Advisory, s.Waived, s.Undecided)
	for _, sev := range severities {
		var rows []Finding
		for _, f := range r.Violations {
			if f.Severity == sev {
				rows = append(rows, f)
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d)\n", strings.ToUpper(string(sev)), len(rows))
		for _, f := range rows {
			fmt.Fprintf(w, "  %-9s %-36s %s\n            %s\n", f.Enforcement, f.Policy, subject(f), f.Message)
		}
	}
	if len(r.Waived) > 0 {
		fmt.Fprintf(w, "\nWAIVED (%d)\n", len(r.Waived))
		for _, f := range r.Waived {
			fmt.Fprintf(w, "  %-36s %s until %s, approved by %s: %s\n", f.Policy, subject(f), f.Waiver.Expires, f.Waiver.ApprovedBy, f.Waiver.Reason)
		}
	}
	for _, wv := range r.ExpiredWaivers {
		fmt.Fprintf(w, "\nEXPIRED WAIVER: %s on %s expired %s; its findings are violations again\n", wv.Policy, strings.Join(wv.Resources, ", "), wv.Expires)
	}
	if len(r.Undecided) > 0 {
		fmt.Fprintf(w, "\nUNDECIDED (%d): values known only after deployment\n", len(r.Undecided))
		for _, f := range r.Undecided {
			fmt.Fprintf(w, "  %-36s %s: %s\n", f.Policy, subject(f), f.Message)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\nNOTE: %s\n", n)
	}
	if s.PreviewErrors > 0 {
		fmt.Fprintf(w, "\nFAIL: the preview itself failed, so nothing it planned can pass:\n")
		for _, e := range r.PreviewErrors {
			fmt.Fprintf(w, "  %s\n", strings.ReplaceAll(e, "\n", "\n  "))
		}
	} else if r.HasMandatory() {
		fmt.Fprintf(w, "\nFAIL: %d mandatory violations block the deployment\n", s.Mandatory)
	} else {
		fmt.Fprintf(w, "\nPASS: no mandatory violation\n")
	}
	return nil
}

func subject(f Finding) string {
	if f.Name == "" {
		return "(stack)"
	}
	return f.Name + " (" + f.Type + ")"
}

func (r *Report) writeMarkdown(w io.Writer) error {
	s := r.Summary
	verdict := ":white_check_mark: **Pass**: no mandatory violation"
	if s.PreviewErrors > 0 {
		verdict = fmt.Sprintf(":x: **Fail**: the preview itself failed (%s)", mdEscape(strings.Join(r.PreviewErrors, "; ")))
	} else if r.HasMandatory() {
		verdict = fmt.Sprintf(":x: **Fail**: %d mandatory violations", s.Mandatory)
	}
	fmt.Fprintf(w, "### Policy check: `%s`\n\n%s\n\n", r.Stack, verdict)
	fmt.Fprintf(w, "| policies | resources | mandatory | advisory | waived | undecided |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(w, "| %d | %d | %d | %d | %d | %d |\n", s.Policies, s.Resources, s.Mandatory, s.Advisory, s.Waived, s.Undecided)
	if len(r.Violations) > 0 {
		fmt.Fprintf(w, "\n| severity | enforcement | policy | resource | message |\n|---|---|---|---|---|\n")
		for _, f := range r.Violations {
			fmt.Fprintf(w, "| %s | %s | `%s` | `%s` | %s |\n", f.Severity, f.Enforcement, f.Policy, mdEscape(subject(f)), mdEscape(f.Message))
		}
	}
	if len(r.Waived) > 0 {
		fmt.Fprintf(w, "\n<details><summary>%d waived</summary>\n\n| policy | resource | expires | approved by | reason |\n|---|---|---|---|---|\n", len(r.Waived))
		for _, f := range r.Waived {
			fmt.Fprintf(w, "| `%s` | `%s` | %s | %s | %s |\n", f.Policy, mdEscape(subject(f)), f.Waiver.Expires, mdEscape(f.Waiver.ApprovedBy), mdEscape(f.Waiver.Reason))
		}
		fmt.Fprintf(w, "\n</details>\n")
	}
	for _, wv := range r.ExpiredWaivers {
		fmt.Fprintf(w, "\n:warning: waiver of `%s` expired %s\n", wv.Policy, wv.Expires)
	}
	if len(r.Undecided) > 0 {
		fmt.Fprintf(w, "\n%d checks are undecided until deployment.\n", len(r.Undecided))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n> %s\n", mdEscape(n))
	}
	return nil
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// SARIF 2.1.0 document types (the subset code scanning reads).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		ShortDescription     sarifText      `json:"shortDescription"`
		Help                 sarifText      `json:"help"`
		DefaultConfiguration sarifRuleLevel `json:"defaultConfiguration"`
		Properties           map[string]any `json:"properties"`
	}
	sarifRuleLevel struct {
		Level string `json:"level"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		RuleIndex int             `json:"ruleIndex"`
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical  `json:"physicalLocation"`
		LogicalLocations []sarifLogical `json:"logicalLocations"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifLogical struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
)

// SARIFSchema is the schema URI SARIF 2.1.0 documents name.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// sarifLevel maps enforcement to SARIF levels: mandatory blocks (error).
func sarifLevel(e Enforcement) string {
	if e == Mandatory {
		return "error"
	}
	return "warning"
}

// SARIF returns the report as a SARIF 2.1.0 log: one rule per policy of
// the pack, one result per violation. Results point at the stack file,
// since infrastructure findings have no source line.
func (r *Report) SARIF() any {
	rules := []sarifRule{}
	index := map[string]int{}
	for _, p := range All() {
		index[p.Name] = len(rules)
		rules = append(rules, sarifRule{
			ID:                   p.Name,
			ShortDescription:     sarifText{Text: p.Description},
			Help:                 sarifText{Text: p.Remediation},
			DefaultConfiguration: sarifRuleLevel{Level: sarifLevel(p.Enforcement)},
			Properties: map[string]any{
				"tags":              append([]string{"security", string(p.Severity)}, p.Frameworks...),
				"security-severity": securityScore(p.Severity),
			},
		})
	}
	results := []sarifResult{}
	for _, f := range r.Violations {
		results = append(results, sarifResult{
			RuleID:    f.Policy,
			RuleIndex: index[f.Policy],
			Level:     sarifLevel(f.Enforcement),
			Message:   sarifText{Text: fmt.Sprintf("%s: %s", subject(f), f.Message)},
			Locations: []sarifLocation{{
				PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: "Pulumi." + r.Stack + ".yaml"}},
				LogicalLocations: []sarifLogical{{Name: f.Name, FullyQualifiedName: f.URN, Kind: "resource"}},
			}},
		})
	}
	return sarifLog{
		Schema:  SARIFSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:    sarifTool{Driver: sarifDriver{Name: "platform-policies", Rules: rules}},
			Results: results,
		}},
	}
}

// securityScore is GitHub code scanning's numeric severity.
func securityScore(s Severity) string {
	switch s {
	case Critical:
		return "9.5"
	case High:
		return "8.0"
	case Medium:
		return "5.5"
	}
	return "3.0"
}
