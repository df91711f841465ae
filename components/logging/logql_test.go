package logging

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"platform/internal/plantest"
	"platform/internal/promrules"
)

// TestLogQL parses every log-based alert with Loki's own LogQL parser
// (tools/logql: the Loki version pinned there, the checks its ruler makes
// on load, and that the expression is a metric query), so that an alert
// the ruler would reject fails here rather than at deploy time. make
// test-rules sets PLATFORM_LOGQL (and PLATFORM_RULES_REQUIRE, so that a
// missing checker fails).
func TestLogQL(t *testing.T) {
	logql := plantest.Tool(t, "PLATFORM_LOGQL", "make test-rules")
	check := func(t *testing.T, groups []promrules.Group) (string, error) {
		t.Helper()
		b, err := promrules.File{Groups: groups}.YAML()
		require.NoError(t, err)
		file := filepath.Join(t.TempDir(), "loki-rules.yaml")
		require.NoError(t, os.WriteFile(file, b, 0o644))
		out, err := exec.Command(logql, file).CombinedOutput()
		return string(out), err
	}

	t.Run("alerts parse", func(t *testing.T) {
		groups := Alerts(runbooks, []string{"mita", "payments"})
		require.NotEmpty(t, groups)
		rules := 0
		for _, g := range groups {
			rules += len(g.Rules)
		}
		out, err := check(t, groups)
		require.NoError(t, err, "logql:\n%s", out)
		require.Contains(t, out, fmt.Sprintf("logql: %d expression(s)", rules), "every rule's expression is checked")
		t.Logf("%s", strings.TrimSpace(out))
	})

	// The check can fail: each broken expression, put in place of an
	// alert's, is rejected and named.
	for _, tt := range []struct {
		name, expr, want string
	}{
		{"syntax error", `sum by (namespace) (count_over_time({namespace=~"mita|payments"} | json | level=~"error" [10m])`, "syntax error"},
		{"log query, no samples", `{namespace=~"mita|payments"} |= "error"`, "only sample expression supported"},
		{"selects every stream", `sum(count_over_time({namespace=~".*"} [10m])) > 50`, "at least one regexp or equality matcher"},
	} {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			groups := Alerts(runbooks, []string{"mita", "payments"})
			groups[0].Rules[0].Expr = tt.expr
			out, err := check(t, groups)
			require.Error(t, err, "logql accepted %q:\n%s", tt.expr, out)
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			require.Equal(t, 1, exit.ExitCode(), "logql:\n%s", out)
			require.Contains(t, out, groups[0].Name+"/"+groups[0].Rules[0].Alert+": ")
			require.Contains(t, out, tt.want)
			require.Contains(t, out, "1 problem(s)", "only the broken rule is reported:\n%s", out)
		})
	}
}
