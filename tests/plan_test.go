package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
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
	assert.Equal(t, `["aws","kubernetes"]`, cfg["pulumi:disable-default-providers"])
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

// TestConfigRulesOfTheCLI: the planner refuses what the Pulumi CLI refuses
// before a program runs, in the CLI's words. Every key Pulumi.yaml
// declares without a default is required in every stack: with the
// defaults of this repository's Pulumi.yaml taken away, both stack files
// fail exactly as the real CLI failed them (issue 8); with them, both plan.
func TestConfigRulesOfTheCLI(t *testing.T) {
	for _, stack := range []string{"production", "dr"} {
		p, err := plan.LoadProject(projectDir)
		require.NoError(t, err)
		_, err = p.StackConfig(stack)
		require.NoError(t, err, "Pulumi.%s.yaml satisfies the CLI's rules", stack)
	}

	noDefaults := projectWith(t, func(name, content string) string {
		if name != "Pulumi.yaml" {
			return content
		}
		var kept []string
		for _, line := range strings.Split(content, "\n") {
			trimmed := strings.TrimSpace(line)
			if strings.HasPrefix(trimmed, "default:") && !strings.Contains(trimmed, "true") {
				continue // every default but protect's, as before issue 8
			}
			kept = append(kept, line)
		}
		return strings.Join(kept, "\n")
	})
	_, err := noDefaults.Project.StackConfig("production")
	require.EqualError(t, err, "validating stack config: Stack 'production' is missing configuration values 'platform:dr', 'platform:primaryStack' and 'platform:secrets'")
	_, err = noDefaults.Project.StackConfig("dr")
	require.EqualError(t, err, "validating stack config: Stack 'dr' is missing configuration values 'platform:chaos', 'platform:drRegion', 'platform:identity', 'platform:secrets', 'platform:storage' and 'platform:synthetics'")

	// One missing key, and a value of the wrong type, as the CLI words them.
	oneMissing := projectWith(t, func(name, content string) string {
		if name == "Pulumi.production.yaml" {
			return strings.Replace(content, "  platform:accountId: \"123456789012\"\n", "", 1)
		}
		return content
	})
	_, err = oneMissing.Project.StackConfig("production")
	require.EqualError(t, err, "validating stack config: Stack 'production' is missing configuration value 'platform:accountId'")
	wrongType := projectWith(t, func(name, content string) string {
		if name == "Pulumi.dr.yaml" {
			return strings.Replace(content, "  platform:kms:\n    deletionWindowDays: 30\n", "  platform:kms: thirty\n", 1)
		}
		return content
	})
	_, err = wrongType.Project.StackConfig("dr")
	require.EqualError(t, err, "validating stack config: Stack 'dr' with configuration key 'platform:kms' must be of type 'object'")
	_, err = wrongType.Plan("dr")
	require.ErrorContains(t, err, "must be of type 'object'", "the plan fails before the program runs")
}

// projectWith copies the project with its files edited.
func projectWith(t testing.TB, edit func(name, content string) string) *plan.Planner {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.production.yaml", "Pulumi.dr.yaml"} {
		b, err := os.ReadFile(filepath.Join(projectDir, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte(edit(f, string(b))), 0o644))
	}
	planner, err := plan.NewPlanner(dir, stackProgram)
	require.NoError(t, err)
	return planner
}
