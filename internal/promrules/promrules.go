// Package promrules is the platform's Prometheus rules as code: rule
// groups as typed values, the platform's alerts for every critical
// component (platform.go), and SLOs that generate multi-window,
// multi-burn-rate alerts with the recording rules they use (slo.go), with
// the promtool tests that prove them (slotest.go). components/monitoring
// ships the groups as PrometheusRule objects; make test-rules runs
// promtool over the same groups.
package promrules

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Rule is one recording or alerting rule.
type Rule struct {
	Record      string            `yaml:"record,omitempty" json:"record,omitempty"`
	Alert       string            `yaml:"alert,omitempty" json:"alert,omitempty"`
	Expr        string            `yaml:"expr" json:"expr"`
	For         string            `yaml:"for,omitempty" json:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty" json:"annotations,omitempty"`
}

// Group is a rule group.
type Group struct {
	Name     string `yaml:"name" json:"name"`
	Interval string `yaml:"interval,omitempty" json:"interval,omitempty"`
	Rules    []Rule `yaml:"rules" json:"rules"`
}

// File is a Prometheus rule file (and a PrometheusRule's spec).
type File struct {
	Groups []Group `yaml:"groups" json:"groups"`
}

// YAML is the rule file promtool reads.
func (f File) YAML() ([]byte, error) { return yaml.Marshal(f) }

// Severities an alert may have: page wakes someone, ticket waits for
// working hours.
const (
	Page   = "page"
	Ticket = "ticket"
)

// Runbooks locates the runbooks: alerts link to Base + Name + ".md", and
// the files live in docs/runbooks of this repository.
type Runbooks struct {
	// Base is the URL of docs/runbooks/ in the repository's main branch.
	Base string
}

// URL is the runbook of name.
func (r Runbooks) URL(name string) string { return r.Base + name + ".md" }

// RunbookName is the runbook a URL points at, if it points into Base.
func (r Runbooks) RunbookName(u string) (string, bool) {
	rest, ok := strings.CutPrefix(u, r.Base)
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, ".md")
}

var (
	alertName  = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`)
	recordName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
)

// Validate reports every alert that lacks what on-call needs: a severity
// of page or ticket, a service, a summary and a runbook in Base.
func (f File) Validate(runbooks Runbooks) error {
	var errs []error
	seen := map[string]bool{}
	for _, g := range f.Groups {
		if seen[g.Name] {
			errs = append(errs, fmt.Errorf("group %s: defined twice", g.Name))
		}
		seen[g.Name] = true
		for _, r := range g.Rules {
			switch {
			case r.Record != "" && r.Alert != "":
				errs = append(errs, fmt.Errorf("group %s: rule is both record %s and alert %s", g.Name, r.Record, r.Alert))
			case r.Record != "":
				if !recordName.MatchString(r.Record) {
					errs = append(errs, fmt.Errorf("group %s: record %q is not a metric name", g.Name, r.Record))
				}
			default:
				at := fmt.Sprintf("group %s: alert %s", g.Name, r.Alert)
				if !alertName.MatchString(r.Alert) {
					errs = append(errs, fmt.Errorf("%s: alert names are CamelCase", at))
				}
				if !slices.Contains([]string{Page, Ticket}, r.Labels["severity"]) {
					errs = append(errs, fmt.Errorf("%s: labels.severity must be page or ticket, got %q", at, r.Labels["severity"]))
				}
				if r.Labels["service"] == "" {
					errs = append(errs, fmt.Errorf("%s: labels.service names what is broken", at))
				}
				if r.Annotations["summary"] == "" {
					errs = append(errs, fmt.Errorf("%s: annotations.summary is required", at))
				}
				u := r.Annotations["runbook_url"]
				if _, err := url.Parse(u); err != nil || u == "" {
					errs = append(errs, fmt.Errorf("%s: annotations.runbook_url is required", at))
				} else if _, ok := runbooks.RunbookName(u); !ok {
					errs = append(errs, fmt.Errorf("%s: annotations.runbook_url %s is not a runbook of docs/runbooks (%s)", at, u, runbooks.Base))
				}
			}
			if strings.TrimSpace(r.Expr) == "" {
				errs = append(errs, fmt.Errorf("group %s: rule %s%s has no expr", g.Name, r.Record, r.Alert))
			}
		}
	}
	return errors.Join(errs...)
}

// Alerts are every alerting rule of the file.
func (f File) Alerts() []Rule {
	var out []Rule
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				out = append(out, r)
			}
		}
	}
	return out
}
