package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
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
		t.Logf("%s: $%.2f a month on demand ($%.2f usage-based); %d priced, %d free, %d unpriced", stack,
			e.MonthlyUSD, e.UsageBasedUSD, e.Counts[cost.Priced], e.Counts[cost.Free], e.Counts[cost.Unpriced])
	}
}

func TestCostCommand(t *testing.T) {
	code, out, stderr := runCLI("cost", "--stack", "production", "--dir", projectDir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "Monthly estimate of production")
	assert.Contains(t, out, "cluster-system (NodeGroup)")
	assert.Regexp(t, `Total: \$[0-9]+\.[0-9]{2} a month`, out)
	assert.Contains(t, out, "UNPRICED (not in the total):", "what is not priced is listed")

	code, out, stderr = runCLI("cost", "--stack", "production", "--dir", projectDir, "--format", "json")
	require.Equal(t, 0, code, stderr)
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	for _, k := range []string{"stack", "items", "monthlyUsd", "usageBasedUsd", "counts"} {
		assert.Contains(t, doc, k, "the JSON report's fields are a contract")
	}

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
