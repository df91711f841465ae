// Package e2e runs both stacks through the real Pulumi engine: the real
// CLI, the platform's program as an Automation API inline program, the
// Go policy pack as the CLI's analyzer, and the test-double AWS provider
// (internal/double), on a local file backend with no cloud and no
// network. It is the judge of the offline planner: the same resources and
// the same policy verdicts, or the test fails.
//
// make e2e builds the tools and runs it; without them it is skipped with
// a message saying so (with PLATFORM_E2E_REQUIRE set, it fails instead).
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/require"

	"platform/policies"
)

// destructive are the step kinds that remove a resource's current
// physical instance.
var destructive = []apitype.OpType{apitype.OpReplace, apitype.OpCreateReplacement, apitype.OpDeleteReplaced, apitype.OpDelete, apitype.OpDiscardReplaced}

func TestRealEngine(t *testing.T) {
	tl := findTools(t)
	t.Logf("Pulumi CLI %s at %s", tl.version, tl.pulumi)
	w := newWorld(t, tl)
	prod := w.stack("production")

	// 1. A pull request's preview of production, with the pack.
	first := w.preview(prod)
	first.requireOK(t, "pulumi preview of production with the policy pack")
	require.Empty(t, first.mandatory(), "mandatory policy violations in the real preview of production")
	require.Equal(t, planURNs(w.offlinePlan("production")), first.urns(),
		"the real preview and the offline plan of production must register the same resources")
	offline, code, offlineTook := w.platformCheck("--stack", "production")
	require.Equal(t, 0, code, "platform check --stack production")
	require.Equal(t, reportFindings(offline), first.findings(),
		"platform check --stack production and the pack inside the engine must report the same findings")
	t.Logf("production: %d resources; pack inside the engine: %d findings (%d mandatory)", len(first.urns()), len(first.findings()), len(first.mandatory()))

	// 6. The same preview printed with --json, checked by platform check.
	fromJSON, code := w.checkPreviewJSON(first, "production-preview.json")
	require.Equal(t, 0, code, "platform check --preview-json of production's preview")
	require.Equal(t, first.findings(), reportFindings(fromJSON),
		"platform check --preview-json and the pack inside the engine must give the same verdict")
	t.Logf("offline `platform check --stack production`: %s; real-engine preview with the pack: %s; ratio %.1fx",
		offlineTook.Round(1e6), first.duration.Round(1e6), first.duration.Seconds()/offlineTook.Seconds())

	// 5. A deliberately insecure change fails the real preview, naming the
	// policy, and platform check agrees finding for finding.
	t.Run("insecure change is refused", func(t *testing.T) {
		w.trailOff(t, prod, "production-insecure-preview.json", func(bad *run) {
			offline, code, _ := w.platformCheck("--stack", "production")
			require.Equal(t, 1, code, "platform check --stack production without the trail")
			require.Equal(t, reportFindings(offline), bad.findings(), "offline and in-engine findings of the insecure change")
		})
	})
	if t.Failed() {
		return
	}

	// 2. pulumi up of production; a second preview shows no change.
	deployed := w.up(prod)
	deployed.requireOK(t, "pulumi up of production")
	again := w.preview(prod, optpreview.ExpectNoChanges())
	again.requireOK(t, "a preview right after up must show no changes (idempotent program)")
	t.Logf("production: up %s, no-change preview %s", deployed.duration.Round(1e6), again.duration.Round(1e6))

	// The evidence the deploy workflow keeps: the compliance report of the
	// deployed state (pulumi stack export), with no failing control.
	w.complianceOfState(prod)

	// The insecure change again, now as an update of the deployed stack:
	// the engine and the --show-sames JSON still agree finding for finding.
	t.Run("insecure update is refused", func(t *testing.T) {
		bad := w.trailOff(t, prod, "production-insecure-update.json", nil)
		var deleted, replaced []string
		for _, st := range bad.steps {
			switch st.Op {
			case apitype.OpDelete:
				deleted = append(deleted, st.Type)
				require.False(t, st.Old != nil && st.Old.Protect, "turning the trail off must not delete protected %s", st.URN)
			case apitype.OpReplace:
				replaced = append(replaced, st.URN)
			}
		}
		require.Contains(t, deleted, "aws:cloudtrail/trail:Trail")
		t.Logf("trail off: %d deletes, replaced %v, steps %v", len(deleted), replaced, opCounts(bad))
	})
	if t.Failed() {
		return
	}

	// 3. The dr stack reads production's outputs from its state.
	dr := w.stack("dr")
	drPreview := w.preview(dr)
	drPreview.requireOK(t, "pulumi preview of dr")
	require.Empty(t, drPreview.mandatory())
	require.Equal(t, planURNs(w.offlinePlan("dr")), drPreview.urns(),
		"the real preview and the offline plan of dr must register the same resources")
	drOffline, code, _ := w.platformCheck("--stack", "dr")
	require.Equal(t, 0, code)
	require.Equal(t, reportFindings(drOffline), drPreview.findings())
	drUp := w.up(dr)
	drUp.requireOK(t, "pulumi up of dr")
	t.Logf("dr: %d resources; preview %s, up %s", len(drPreview.urns()), drPreview.duration.Round(1e6), drUp.duration.Round(1e6))
	prodOutputs, err := prod.Outputs(t.Context())
	require.NoError(t, err)
	drOutputs, err := dr.Outputs(t.Context())
	require.NoError(t, err)
	replica := stepOf(t, drUp, "aws:rds/instance:Instance", "database")
	require.Equal(t, prodOutputs["databaseArn"].Value, replica.New.Inputs["replicateSourceDb"],
		"the DR replica's source is production's database, read through the StackReference from production's state")
	require.NotEmpty(t, drOutputs)
	w.preview(dr, optpreview.ExpectNoChanges()).requireOK(t, "dr preview right after up")

	// 4. Failover: the replica is promoted in place.
	w.editStackFile("dr", "    promote: false\n", "    promote: true\n")
	promote := w.preview(dr)
	promote.requireOK(t, "preview of the promotion")
	step := stepOf(t, promote, "aws:rds/instance:Instance", "database")
	require.Equal(t, apitype.OpUpdate, step.Op, "the replica must be updated in place, diffs %v", step.Diffs)
	require.Contains(t, step.Diffs, "replicateSourceDb")
	t.Logf("promotion: %s of the replica, changed %v; steps %v", step.Op, step.Diffs, opCounts(promote))
	for _, s := range promote.steps {
		if slices.Contains(destructive, s.Op) {
			require.False(t, s.Old != nil && s.Old.Protect, "the promotion must not %s protected %s", s.Op, s.URN)
		}
	}
	require.Empty(t, promote.mandatory(), "the promoted dr stack passes the pack")
	promoted := w.up(dr)
	promoted.requireOK(t, "pulumi up of the promotion")
	w.preview(dr, optpreview.ExpectNoChanges()).requireOK(t, "dr preview right after the promotion")
}

// trailOff previews production with its CloudTrail trail switched off in
// the stack file (then restores it): the real preview must fail naming
// cloudtrail-multi-region, and platform check --preview-json of the same
// preview must report the same findings. also runs before the stack file
// is restored.
func (w *world) trailOff(t *testing.T, prod auto.Stack, file string, also func(*run)) *run {
	t.Helper()
	w.editStackFile("production", "    trail: true\n", "    trail: false\n")
	defer w.editStackFile("production", "    trail: false\n", "    trail: true\n")
	bad := w.preview(prod)
	require.Error(t, bad.err, "the preview of production without its CloudTrail trail must fail")
	require.Contains(t, bad.mandatory(), finding{Policy: "cloudtrail-multi-region", Level: "mandatory"})
	fromJSON, code := w.checkPreviewJSON(bad, file)
	require.Equal(t, 1, code, "platform check --preview-json without the trail")
	require.Equal(t, bad.findings(), reportFindings(fromJSON), "platform check --preview-json and the pack inside the engine")
	if also != nil {
		also(bad)
	}
	return bad
}

// checkPreviewJSON saves what `pulumi preview --json` printed and runs
// platform check --preview-json over it.
func (w *world) checkPreviewJSON(r *run, file string) (*policies.Report, int) {
	w.t.Helper()
	require.NotEmpty(w.t, r.stdout, "pulumi preview --json printed nothing")
	path := filepath.Join(w.t.TempDir(), file)
	require.NoError(w.t, os.WriteFile(path, []byte(r.stdout), 0o644))
	report, code, _ := w.platformCheck("--preview-json", path)
	return report, code
}

// complianceOfState exports the stack as `pulumi stack export` does and
// runs platform check --state --format compliance over it, as main.yml
// does after each pulumi up.
func (w *world) complianceOfState(st auto.Stack) {
	w.t.Helper()
	exported, err := st.Export(context.Background())
	require.NoError(w.t, err, "pulumi stack export")
	b, err := json.Marshal(exported)
	require.NoError(w.t, err)
	path := filepath.Join(w.t.TempDir(), "state.json")
	require.NoError(w.t, os.WriteFile(path, b, 0o644))
	cmd := exec.Command(w.tools.checker, "check", "--state", path, "--format", "compliance")
	cmd.Dir = w.project
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(w.t, cmd.Run(), "platform check --state --format compliance: %s", stderr.String())
	c, err := policies.ReadCompliance(&stdout, "the deployed state's compliance report")
	require.NoError(w.t, err)
	require.Zero(w.t, c.Failing(), "no failing control in the deployed state")
	require.Contains(w.t, c.Subject.Source, "state export")
	var parts []string
	for _, f := range c.Frameworks {
		if f.HasCatalog {
			parts = append(parts, fmt.Sprintf("%s %d/%d pass (%d waived, %d n/a, %d not covered)", f.ID, f.Summary.Pass, f.Summary.InScope, f.Summary.Waived, f.Summary.NotApplicable, f.Summary.NotCovered))
		}
	}
	w.t.Logf("compliance of the deployed state (%d resources): %s", c.Subject.Resources, strings.Join(parts, "; "))
}

// stepOf finds the one step of a resource by type and logical name.
func stepOf(t *testing.T, r *run, typ, name string) apitype.StepEventMetadata {
	t.Helper()
	var found []apitype.StepEventMetadata
	for _, s := range r.steps {
		if s.Type == typ && resource.URN(s.URN).Name() == name {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "steps of %s %s", typ, name)
	return found[0]
}

// opCounts counts a run's steps by kind.
func opCounts(r *run) map[apitype.OpType]int {
	out := map[apitype.OpType]int{}
	for _, s := range r.steps {
		out[s.Op]++
	}
	return out
}
