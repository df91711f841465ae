package monitoring

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"platform/internal/plantest"
)

// TestAmtool checks the generated Alertmanager configuration with the
// real amtool of the Alertmanager version the chart deploys, and routes
// alerts through it: make test-rules sets PLATFORM_AMTOOL (and
// PLATFORM_RULES_REQUIRE, so that a missing amtool fails).
func TestAmtool(t *testing.T) {
	amtool := plantest.Tool(t, "PLATFORM_AMTOOL", "make test-rules")
	// As the chart writes it: the values' config, as YAML.
	b, err := json.Marshal(Alertmanager())
	require.NoError(t, err)
	var tree map[string]any
	require.NoError(t, json.Unmarshal(b, &tree))
	y, err := yaml.Marshal(tree)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "alertmanager.yaml")
	require.NoError(t, os.WriteFile(file, y, 0o644))

	out, err := exec.Command(amtool, "check-config", file).CombinedOutput()
	require.NoError(t, err, "amtool check-config:\n%s", out)
	t.Logf("amtool check-config: %s", strings.TrimSpace(string(out)))

	for _, tt := range []struct {
		labels   []string
		receiver string
	}{
		{[]string{"severity=page", "service=mita-backend", "alertname=MitaBackendAvailabilityBudgetBurn"}, PageReceiver},
		{[]string{"severity=critical", "alertname=KubeAPIErrorBudgetBurn"}, PageReceiver},
		{[]string{"severity=ticket", "service=cluster-autoscaler"}, TicketReceiver},
		{[]string{"severity=warning", "alertname=KubeMemoryOvercommit"}, TicketReceiver},
		{[]string{"severity=info", "alertname=InfoInhibitor"}, NullReceiver},
		{[]string{"severity=none", "alertname=Watchdog"}, NullReceiver},
	} {
		args := append([]string{"config", "routes", "test", "--config.file=" + file, "--verify.receivers=" + tt.receiver}, tt.labels...)
		out, err := exec.Command(amtool, args...).CombinedOutput()
		require.NoError(t, err, "%v should reach %s:\n%s", tt.labels, tt.receiver, out)
	}
}
