package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/cost"
)

// TestEveryPlannedTypeHasAPricingRule: a resource type the stacks create
// is priced, free with its reason, or pending with why; never a type the
// estimator has not heard of.
func TestEveryPlannedTypeHasAPricingRule(t *testing.T) {
	prices, err := cost.DefaultPrices()
	require.NoError(t, err, "the embedded price table: every row sourced and dated")
	for _, stack := range []string{"production", "dr"} {
		e := cost.EstimatePlan(planStack(t, stack), prices, cost.DefaultUsage())
		var pending []string
		for _, it := range e.Items {
			assert.NotEqual(t, "no pricing rule for this type yet", it.Reason, "%s: %s (%s)", stack, it.Name, it.Type)
			assert.NotEmpty(t, string(it.Status), it.Name)
			if it.Status != cost.Priced {
				assert.NotEmpty(t, it.Reason, "%s: %s is %s without a reason", stack, it.Name, it.Status)
			}
			if it.Status == cost.Unpriced {
				pending = append(pending, it.Name)
			}
		}
		require.Positive(t, e.MonthlyUSD)
		assert.Empty(t, e.CommitmentGaps, "%s: every committable line has its sourced commitment rate", stack)
		assert.Less(t, e.CommittedMonthlyUSD, e.MonthlyUSD, stack)
		t.Logf("%s: $%.2f a month on demand ($%.2f usage-based), $%.2f committed; %d priced, %d free, %d unpriced", stack,
			e.MonthlyUSD, e.UsageBasedUSD, e.CommittedMonthlyUSD, e.Counts[cost.Priced], e.Counts[cost.Free], e.Counts[cost.Unpriced])
	}
}

func TestCostCommand(t *testing.T) {
	code, out, stderr := runCLI("cost", "--stack", "production", "--dir", projectDir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "Monthly estimate of production")
	assert.Contains(t, out, "cluster-system (NodeGroup)")
	assert.Regexp(t, `Total: \$[0-9,]+\.[0-9]{2} a month on demand`, out)
	assert.Regexp(t, `[0-9]+ priced, [0-9]+ free, 0 unpriced`, out, "every resource the stack creates is priced or free with a reason")

	assert.Regexp(t, `with 1-year commitments`, out)

	code, out, stderr = runCLI("cost", "--stack", "production", "--dir", projectDir, "--format", "markdown")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "### Monthly estimate of `production`")
	assert.Regexp(t, `\| eks \| [0-9]+ \| \$[0-9,]+\.[0-9]{2} \| \$[0-9,]+\.[0-9]{2} \|`, out, "a row per AWS service")

	bad := filepath.Join(t.TempDir(), "usage.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("usage:\n  natGatewayGB: 5\n  albLCU: -1\n"), 0o600))
	code, _, stderr = runCLI("cost", "--stack", "production", "--dir", projectDir, "--usage", bad)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage.natGatewayGB: not a usage key")
	assert.Contains(t, stderr, "usage.albLCU: a quantity cannot be negative, got -1")

	code, _, stderr = runCLI("cost", "--stack", "staging", "--dir", projectDir)
	assert.Equal(t, 2, code, stderr)
	code, _, _ = runCLI("cost")
	assert.Equal(t, 2, code, "--stack is required")
}

// TestCostJSONContract pins the fields of `platform cost --format json`
// and `platform cost diff --format json`: CI and finance tooling read
// them. Later versions add fields, never rename or drop one.
func TestCostJSONContract(t *testing.T) {
	code, out, stderr := runCLI("cost", "--stack", "production", "--dir", projectDir, "--format", "json")
	require.Equal(t, 0, code, stderr)
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	for _, k := range []string{"schemaVersion", "stack", "currency", "hoursPerMonth", "items", "monthlyUsd", "committedMonthlyUsd", "commitmentGaps", "usageBasedUsd", "counts"} {
		assert.Contains(t, doc, k, "the report's fields are a contract")
	}
	assert.Equal(t, "1", string(doc["schemaVersion"]))
	var items []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(doc["items"], &items))
	var line map[string]json.RawMessage
	for _, it := range items {
		for _, k := range []string{"urn", "type", "name", "status", "monthlyUsd", "committedMonthlyUsd"} {
			require.Contains(t, it, k, "every item")
		}
		if string(it["type"]) == `"aws:rds/instance:Instance"` {
			var lines []map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(it["lines"], &lines))
			line = lines[0]
		}
	}
	require.NotNil(t, line, "the database is priced")
	for _, k := range []string{"component", "quantity", "unit", "unitUsd", "monthlyUsd", "source", "committedUnitUsd", "committedMonthlyUsd"} {
		assert.Contains(t, line, k, "a database line")
	}
	_, sourced := line["commitment"]
	_, gap := line["commitmentUnsourced"]
	assert.True(t, sourced != gap, "a committable line names its reserved rate, or the rate it lacks: %v", line)
	assert.Contains(t, doc, "commitmentGaps")

	// The report is a diff's base: unchanged, nothing differs.
	base := filepath.Join(t.TempDir(), "base.json")
	require.NoError(t, os.WriteFile(base, []byte(out), 0o600))
	code, out, stderr = runCLI("cost", "diff", "--stack", "production", "--dir", projectDir, "--base", base, "--format", "json")
	require.Equal(t, 0, code, stderr)
	var diff map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &diff))
	for _, k := range []string{"schemaVersion", "stack", "base", "head", "deltaMonthlyUsd", "deltaCommittedMonthlyUsd", "changes"} {
		assert.Contains(t, diff, k, "the diff's fields are a contract")
	}
	assert.Equal(t, "0", string(diff["deltaMonthlyUsd"]))
	assert.Equal(t, "[]", string(diff["changes"]))
}

// TestCostDiff: a pull request that adds a node and a read replica shows
// both, per resource and in total, as the PR comment prints it.
func TestCostDiff(t *testing.T) {
	code, out, stderr := runCLI("cost", "--stack", "production", "--dir", projectDir, "--format", "json")
	require.Equal(t, 0, code, stderr)
	base := filepath.Join(t.TempDir(), "base.json")
	require.NoError(t, os.WriteFile(base, []byte(out), 0o600))
	before, err := cost.ReadEstimate(strings.NewReader(out), "base")
	require.NoError(t, err)

	head := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.production.yaml", "Pulumi.dr.yaml"} {
		b, err := os.ReadFile(filepath.Join(projectDir, f))
		require.NoError(t, err)
		content := string(b)
		if f == "Pulumi.production.yaml" {
			content = strings.Replace(content, "readReplicas: 1", "readReplicas: 2", 1)
		}
		require.NoError(t, os.WriteFile(filepath.Join(head, f), []byte(content), 0o644))
	}
	code, out, stderr = runCLI("cost", "diff", "--stack", "production", "--dir", head, "--base", base, "--format", "json")
	require.Equal(t, 0, code, stderr)
	var d cost.Diff
	require.NoError(t, json.Unmarshal([]byte(out), &d))
	var replica *cost.Change
	for i, c := range d.Changes {
		if c.Name == "database-replica-2" {
			replica = &d.Changes[i]
		}
	}
	require.NotNil(t, replica, "the new replica is a change: %+v", d.Changes)
	assert.Equal(t, "added", replica.Kind)
	var first float64
	for _, it := range before.Items {
		if it.Name == "database-replica-1" {
			first = it.MonthlyUSD
		}
	}
	assert.Equal(t, first, replica.DeltaUSD, "a second replica costs what the first does")
	assert.Positive(t, d.DeltaUSD)
	assert.InDelta(t, d.Head.MonthlyUSD-d.Base.MonthlyUSD, d.DeltaUSD, 0.005)

	code, out, stderr = runCLI("cost", "diff", "--stack", "production", "--dir", head, "--base", base, "--format", "markdown")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "### Cost of `production`: +$")
	assert.Contains(t, out, "| database-replica-2 | Instance | added |")

	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--stack", "production", "--dir", head}, "give exactly one of --base FILE"},
		{[]string{"--stack", "production", "--base", base, "--base-ref", "HEAD"}, "give exactly one of --base FILE"},
		{[]string{"--stack", "dr", "--dir", head, "--base", base}, `the base prices stack "production", not "dr"`},
		{[]string{"--stack", "production", "--dir", head, "--base", filepath.Join(head, "missing.json")}, "missing.json"},
		{[]string{"--stack", "production", "--dir", head, "--base-ref", "HEAD"}, "--base-ref needs --dir inside a Git checkout"},
		{[]string{"--stack", "production", "--base", base, "--format", "html"}, "--format must be text, json or markdown"},
	}
	if exec.Command("git", "-C", projectDir, "rev-parse", "--git-dir").Run() == nil {
		cases = append(cases, struct {
			args []string
			want string
		}{[]string{"--stack", "production", "--dir", projectDir, "--base-ref", "no-such-ref"}, `--base-ref "no-such-ref" is not a commit`})
	}
	for _, tc := range cases {
		code, _, stderr := runCLI(append([]string{"cost", "diff"}, tc.args...)...)
		assert.Equal(t, 2, code, tc.args)
		assert.Contains(t, stderr, tc.want, tc.args)
	}
}

// BenchmarkEstimateServices plans production with 1, 10 and 100 services
// and prices it: resources and estimate time grow linearly with services.
func BenchmarkEstimateServices(b *testing.B) {
	prices, err := cost.DefaultPrices()
	require.NoError(b, err)
	for _, n := range []int{1, 10, 100} {
		var services strings.Builder
		services.WriteString("  platform:services:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&services, "    - name: svc-%03d\n      team: mita\n      databaseUser: svc_%03d\n      dataBucket: true\n      slo:\n        availability: 99.9\n        latency: 95\n", i, i)
		}
		planner := projectWith(b, func(name, content string) string {
			if name != "Pulumi.production.yaml" {
				return content
			}
			start := strings.Index(content, "  platform:services:\n")
			end := strings.Index(content, "  # GitOps (components/delivery)")
			require.True(b, start > 0 && end > start, "the services block of the stack file")
			return content[:start] + services.String() + content[end:]
		})
		p, err := planner.Plan("production")
		require.NoError(b, err)
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var e *cost.Estimate
			for i := 0; i < b.N; i++ {
				e = cost.EstimatePlan(p, prices, cost.DefaultUsage())
			}
			b.ReportMetric(float64(len(p.Resources)), "resources")
			b.ReportMetric(e.MonthlyUSD, "usd/month")
		})
	}
}
