package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
)

// TestStackConfigLikeTheCLI: the planner hands the program config the way
// the Pulumi CLI does: qualified keys, objects and arrays as JSON, scalars
// as text, and Pulumi.yaml's declared defaults where the stack sets none.
func TestStackConfigLikeTheCLI(t *testing.T) {
	planner := withStackFile(t, "production", func(s string) string {
		return strings.Replace(s, "  platform:protect: true\n", "", 1)
	})
	cfg, err := planner.Project.StackConfig("production")
	require.NoError(t, err)
	assert.Equal(t, "true", cfg["platform:protect"], "the Pulumi.yaml default applies")
	assert.Equal(t, "primary", cfg["platform:role"])
	assert.Equal(t, `["aws"]`, cfg["pulumi:disable-default-providers"])
	var network map[string]any
	require.NoError(t, json.Unmarshal([]byte(cfg["platform:network"]), &network))
	assert.Equal(t, "10.10.0.0/16", network["vpcCidr"])
	assert.Equal(t, 365.0, network["flowLogRetentionDays"])
}

func TestStackReferenceCycles(t *testing.T) {
	planner := withStackFile(t, "dr", func(s string) string {
		return strings.Replace(s, "primaryStack: organization/platform/production", "primaryStack: organization/platform/dr", 1)
	})
	_, err := planner.Plan("dr")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stack dr references itself")

	other := withStackFile(t, "dr", func(s string) string {
		return strings.Replace(s, "primaryStack: organization/platform/production", "primaryStack: organization/payments/production", 1)
	})
	_, err = other.Plan("dr")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `names project "payments"; only stacks of "platform" can be planned offline`)
}

func TestPlansAreDeterministic(t *testing.T) {
	a, err := plan.NewPlanner(projectDir, stackProgram)
	require.NoError(t, err)
	first, err := a.Plan("dr")
	require.NoError(t, err)
	b, err := plan.NewPlanner(projectDir, stackProgram)
	require.NoError(t, err)
	second, err := b.Plan("dr")
	require.NoError(t, err)
	x, _ := json.Marshal(first)
	y, _ := json.Marshal(second)
	assert.JSONEq(t, string(x), string(y), "two runs plan the same thing")
}
