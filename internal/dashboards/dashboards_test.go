package dashboards

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"platform/internal/plantest"
)

var update = flag.Bool("update", false, "rewrite the golden dashboards")

var mita = Service{Name: "mita-backend", Availability: 99.9, Latency: 95, LatencyThresholdSecond: 0.5}

func all(t *testing.T) map[string]string {
	t.Helper()
	d, err := All([]Service{mita})
	require.NoError(t, err)
	return d
}

// TestGolden: the generated JSON is reviewed as a diff (make golden).
func TestGolden(t *testing.T) {
	for name, j := range all(t) {
		file := filepath.Join("testdata", name+".json")
		if *update {
			require.NoError(t, os.WriteFile(file, []byte(j+"\n"), 0o644))
			continue
		}
		want, err := os.ReadFile(file)
		require.NoError(t, err, "run make golden")
		assert.Equal(t, string(want), j+"\n", "%s changed: review it and run make golden", name)
	}
}

type panel struct {
	Type        string `json:"type"`
	Title       string `json:"title"`
	FieldConfig struct {
		Defaults struct {
			Unit       string `json:"unit"`
			Thresholds struct {
				Steps []struct {
					Value *float64 `json:"value"`
					Color string   `json:"color"`
				} `json:"steps"`
			} `json:"thresholds"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Datasource struct {
		UID string `json:"uid"`
	} `json:"datasource"`
}

func panels(t *testing.T, j string) map[string]panel {
	t.Helper()
	var d struct {
		UID    string  `json:"uid"`
		Panels []panel `json:"panels"`
	}
	require.NoError(t, json.Unmarshal([]byte(j), &d))
	out := map[string]panel{}
	for _, p := range d.Panels {
		if p.Type != "row" {
			out[p.Title] = p
		}
	}
	return out
}

func TestServiceDashboard(t *testing.T) {
	j := all(t)["service-mita-backend"]
	p := panels(t, j)
	for _, title := range []string{"Requests per second by code", "Server error ratio", "Latency", "Availability", "Availability error budget left"} {
		require.Contains(t, p, title, "the RED dashboard has %s", title)
		assert.Equal(t, "prometheus", p[title].Datasource.UID)
	}
	// The availability panel turns red below the objective.
	steps := p["Availability"].FieldConfig.Defaults.Thresholds.Steps
	require.Len(t, steps, 2)
	assert.Equal(t, "red", steps[0].Color)
	assert.InDelta(t, 0.999, *steps[1].Value, 1e-9)
	q, err := Queries(j)
	require.NoError(t, err)
	assert.Equal(t, []string{`1 - slo:sli_error:ratio_rate30d{sloth_id="mita-backend-availability"}`}, q["Availability"], "reads the SLO's recording rule")
	assert.Len(t, q["Latency"], 3, "p50, p95, p99")
}

func TestExecutiveDashboard(t *testing.T) {
	j := all(t)["executive"]
	p := panels(t, j)
	q, err := Queries(j)
	require.NoError(t, err)
	assert.Equal(t, []string{`count(ALERTS{alertstate="firing",severity="page"}) or vector(0)`}, q["Open pages"])
	latency := p["P95 latency (objective under 0.5s)"]
	assert.Equal(t, "s", latency.FieldConfig.Defaults.Unit)
	assert.InDelta(t, 0.5, *latency.FieldConfig.Defaults.Thresholds.Steps[1].Value, 1e-9)
	assert.Equal(t, "red", latency.FieldConfig.Defaults.Thresholds.Steps[1].Color, "above 500 ms is red")
	assert.Contains(t, p, "Availability, 30 days (objective 99.9%)")
	assert.Contains(t, p, "Error budget left")
	assert.Contains(t, p, "Requests, last 24 hours")
	mttr := p["Mean time to resolve a page, 30 days (objective under 30 min)"]
	assert.Equal(t, "m", mttr.FieldConfig.Defaults.Unit)
	assert.InDelta(t, 30, *mttr.FieldConfig.Defaults.Thresholds.Steps[1].Value, 1e-9, "red above 30 minutes")
	assert.Equal(t, []string{"platform:mttr_minutes:30d"}, q["Mean time to resolve a page, 30 days (objective under 30 min)"])
}

func TestPlatformDashboard(t *testing.T) {
	p := panels(t, all(t)["platform"])
	for _, title := range []string{"Nodes not Ready", "Pods by phase", "Unschedulable pods", "Volumes used", "Autoscaler: nodes by state, failed scale-ups"} {
		assert.Contains(t, p, title)
	}
}

// TestQueriesParse hands every dashboard query to Prometheus's own
// parser (promtool check rules, each query as a recording rule). make
// test-rules sets PLATFORM_PROMTOOL.
func TestQueriesParse(t *testing.T) {
	promtool := plantest.Tool(t, "PLATFORM_PROMTOOL", "make test-rules")
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	dashboards := all(t)
	for _, name := range slices.Sorted(maps.Keys(dashboards)) {
		q, err := Queries(dashboards[name])
		require.NoError(t, err)
		for _, title := range slices.Sorted(maps.Keys(q)) {
			for i, expr := range q[title] {
				rules = append(rules, rule{Record: fmt.Sprintf("dashboard:query_%d", len(rules)), Expr: GrafanaVariables.Replace(expr)})
				_ = i
			}
		}
	}
	require.Greater(t, len(rules), 20)
	b, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboards", "rules": rules}}})
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "queries.yaml")
	require.NoError(t, os.WriteFile(file, b, 0o644))
	out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput()
	require.NoError(t, err, "a dashboard query does not parse:\n%s", out)
	t.Logf("%d dashboard queries parsed: %s", len(rules), strings.TrimSpace(string(out)))
}
