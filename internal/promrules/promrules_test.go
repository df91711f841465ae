package promrules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"platform/internal/plantest"
)

var runbooks = Runbooks{Base: "https://github.com/example-fintech/platform/blob/main/docs/runbooks/"}

func mita() []SLO { return HTTPService("mita-backend", 99.9, 95, "0.5") }

// all is every rule the platform ships: its own alerts and the SLOs'.
func all() File {
	f := File{Groups: []Group{Platform(runbooks), Operations()}}
	for _, s := range mita() {
		f.Groups = append(f.Groups, s.Groups(runbooks)...)
	}
	return f
}

func TestEveryAlertIsActionable(t *testing.T) {
	f := all()
	require.NoError(t, f.Validate(runbooks))
	// Every runbook an alert links to exists in this repository.
	for _, a := range f.Alerts() {
		name, ok := runbooks.RunbookName(a.Annotations["runbook_url"])
		require.True(t, ok, a.Alert)
		_, err := os.Stat(filepath.Join("..", "..", "docs", "runbooks", name+".md"))
		assert.NoError(t, err, "%s links to a runbook that does not exist", a.Alert)
	}
	assert.Len(t, f.Alerts(), len(platformAlerts)+4, "the platform's alerts and a page and a ticket per SLO")
}

func TestValidateRefusesUnactionableAlerts(t *testing.T) {
	f := File{Groups: []Group{{Name: "g", Rules: []Rule{
		{Alert: "NoRunbook", Expr: "up == 0", Labels: map[string]string{"severity": "page", "service": "x"}, Annotations: map[string]string{"summary": "s"}},
		{Alert: "wrongCase", Expr: "up == 0", Labels: map[string]string{"severity": "critical"}, Annotations: map[string]string{"runbook_url": "https://elsewhere/x.md"}},
		{Record: "bad name", Expr: ""},
	}}, {Name: "g"}}}
	err := f.Validate(runbooks)
	require.Error(t, err)
	for _, want := range []string{
		"group g: alert NoRunbook: annotations.runbook_url is required",
		"group g: alert wrongCase: alert names are CamelCase",
		`group g: alert wrongCase: labels.severity must be page or ticket, got "critical"`,
		"group g: alert wrongCase: labels.service names what is broken",
		"group g: alert wrongCase: annotations.summary is required",
		"group g: alert wrongCase: annotations.runbook_url https://elsewhere/x.md is not a runbook of docs/runbooks",
		`group g: record "bad name" is not a metric name`,
		"group g: rule bad name has no expr",
		"group g: defined twice",
	} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestSLOValidation(t *testing.T) {
	for _, tt := range []struct {
		objective float64
		want      string
	}{
		{100, "slos[mita-backend-availability].objective: must be at least 90 and below 100 (a 100% objective has no error budget to burn), got 100"},
		{89.9, "got 89.9"},
	} {
		s := mita()[0]
		s.Objective = tt.objective
		assert.ErrorContains(t, s.Validate(), tt.want)
	}
	s := mita()[1]
	s.SLI.Errors = "x_total"
	assert.ErrorContains(t, s.Validate(), "slos[mita-backend-latency].sli: a total counter and exactly one of errors or good")
	for _, s := range mita() {
		assert.NoError(t, s.Validate())
	}
}

func TestSLORulesAreSlothCompatible(t *testing.T) {
	avail := mita()[0]
	groups := avail.Groups(runbooks)
	require.Len(t, groups, 3)
	assert.Equal(t, "sloth-slo-sli-recordings-mita-backend-availability", groups[0].Name)
	var records []string
	for _, r := range groups[0].Rules {
		records = append(records, r.Record)
		assert.Equal(t, "mita-backend-availability", r.Labels["sloth_id"])
		assert.Equal(t, strings.TrimPrefix(r.Record, "slo:sli_error:ratio_rate"), r.Labels["sloth_window"])
	}
	assert.Equal(t, []string{
		"slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate30m", "slo:sli_error:ratio_rate1h", "slo:sli_error:ratio_rate2h",
		"slo:sli_error:ratio_rate6h", "slo:sli_error:ratio_rate1d", "slo:sli_error:ratio_rate3d", "slo:sli_error:ratio_rate30d",
	}, records)
	assert.Equal(t, "(sum(rate(http_requests_total{service=\"mita-backend\",code=~\"5..\"}[5m])))\n/\n(sum(rate(http_requests_total{service=\"mita-backend\"}[5m])))", groups[0].Rules[0].Expr)
	meta := map[string]string{}
	for _, r := range groups[1].Rules {
		meta[r.Record] = r.Expr
	}
	assert.Equal(t, "vector(0.001)", meta["slo:error_budget:ratio"], "no float noise in the budget")
	assert.Equal(t, "vector(0.999)", meta["slo:objective:ratio"])
	assert.Contains(t, meta, "slo:period_error_budget_remaining:ratio")
	assert.Contains(t, meta, "slo:current_burn_rate:ratio")

	alerts := groups[2].Rules
	require.Len(t, alerts, 2)
	page, ticket := alerts[0], alerts[1]
	assert.Equal(t, "MitaBackendAvailabilityBudgetBurn", page.Alert)
	assert.Equal(t, Page, page.Labels["severity"])
	for _, w := range []string{`ratio_rate5m{sloth_id="mita-backend-availability", sloth_service="mita-backend", sloth_slo="availability"} > (14.4 * 0.001)`, "ratio_rate1h", "(6 * 0.001)", "ratio_rate30m", "ratio_rate6h"} {
		assert.Contains(t, page.Expr, w)
	}
	assert.Equal(t, Ticket, ticket.Labels["severity"])
	for _, w := range []string{"(3 * 0.001)", "ratio_rate2h", "ratio_rate1d", "(1 * 0.001)", "ratio_rate3d"} {
		assert.Contains(t, ticket.Expr, w)
	}
	assert.NotContains(t, ticket.Expr, "14.4")

	lat := mita()[1].Groups(runbooks)
	assert.Equal(t, "vector(0.05)", lat[1].Rules[1].Expr)
	assert.Contains(t, lat[0].Rules[0].Expr, `http_request_duration_seconds_bucket{service="mita-backend",le="0.5"}`)
}

func TestSeriesNotation(t *testing.T) {
	assert.Equal(t, "0+10x3", series([]float64{10}, []int{3}))
	// The second phase starts one increment after the first ends.
	assert.Equal(t, "0+10x3 32+2x1", series([]float64{10, 2}, []int{3, 2}))
}

// writeRules writes every rule and the tests (generated for the SLOs,
// hand-written for the platform) into dir.
func writeRules(t *testing.T, dir string) []string {
	t.Helper()
	b, err := all().YAML()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), b, 0o644))
	files := []string{}
	for _, s := range mita() {
		rb, err := File{Groups: s.AlertingGroups(runbooks)}.YAML()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, s.ID()+".yaml"), rb, 0o644))
		tb, err := yaml.Marshal(s.Tests(s.ID()+".yaml", runbooks))
		require.NoError(t, err)
		name := filepath.Join(dir, s.ID()+"_test.yaml")
		require.NoError(t, os.WriteFile(name, tb, 0o644))
		files = append(files, name)
	}
	hand, err := os.ReadFile(filepath.Join("testdata", "platform_test.yaml"))
	require.NoError(t, err)
	name := filepath.Join(dir, "platform_test.yaml")
	require.NoError(t, os.WriteFile(name, []byte(strings.ReplaceAll(string(hand), "RUNBOOKS", runbooks.Base)), 0o644))
	return append(files, name)
}

// TestPromtool runs the real Prometheus rule engine: promtool check rules
// on the generated file, then promtool test rules on the SLO scenarios
// and the platform's tests. make test-rules sets PLATFORM_PROMTOOL (and
// PLATFORM_RULES_REQUIRE, so that a missing promtool fails).
func TestPromtool(t *testing.T) {
	promtool := plantest.Tool(t, "PLATFORM_PROMTOOL", "make test-rules")
	dir := t.TempDir()
	tests := writeRules(t, dir)
	run := func(t *testing.T, args ...string) string {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
		return string(out)
	}
	out := run(t, "check", "rules", "rules.yaml")
	t.Logf("promtool check rules: %s", strings.TrimSpace(out))
	// One promtool per test file, in parallel: the SLO scenarios run days
	// of minute-by-minute evaluation.
	for _, file := range tests {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			out := run(t, "test", "rules", file)
			t.Logf("promtool test rules: %s", strings.TrimSpace(out))
		})
	}
}
