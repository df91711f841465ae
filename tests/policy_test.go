package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
	"platform/policies"
)

func platformConfig(t testing.TB) *policies.Config {
	t.Helper()
	cfg, err := policies.PlatformConfig()
	require.NoError(t, err)
	return cfg
}

func check(t testing.TB, p *plan.Plan) *policies.Report {
	t.Helper()
	return policies.Evaluate(policies.FromPlan(p), policies.Options{
		Config: platformConfig(t), Stack: p.Stack,
		StackURN: "urn:pulumi:" + p.Stack + "::platform::pulumi:pulumi:Stack::platform-" + p.Stack,
	})
}

// TestStacksPassThePolicyPack: every stack passes every mandatory policy;
// what is waived is waived by policies/pack.yaml with a reason, an
// approver and an expiry, and nothing is left undecided offline.
func TestStacksPassThePolicyPack(t *testing.T) {
	for _, stack := range allStacks {
		t.Run(stack, func(t *testing.T) {
			r := check(t, planStack(t, stack))
			assert.Empty(t, r.Violations, "violations of %s", stack)
			assert.Empty(t, r.Undecided)
			assert.Equal(t, len(policies.All()), r.Summary.Policies)
			for _, w := range r.Waived {
				require.NotNil(t, w.Waiver)
				assert.NotEmpty(t, w.Waiver.Reason)
				assert.NotEmpty(t, w.Waiver.ApprovedBy)
				assert.NotEmpty(t, w.Waiver.Expires)
			}
		})
	}
}

// TestPolicyPackSeesThePlan: the stack policies follow the plan's
// references; removing a bucket's public access block or a key's rotation
// from the production plan is caught.
func TestPolicyPackSeesThePlan(t *testing.T) {
	p := planStack(t, "production")
	mutated := *p
	mutated.Resources = nil
	for _, r := range p.Resources {
		switch {
		case r.Type == "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock" && r.Name == "data":
			continue
		case r.Type == "aws:kms/key:Key" && r.Name == "kms-data":
			inputs := map[string]any{}
			for k, v := range r.Inputs {
				inputs[k] = v
			}
			inputs["enableKeyRotation"] = false
			r.Inputs = inputs
		}
		mutated.Resources = append(mutated.Resources, r)
	}
	r := check(t, &mutated)
	got := map[string]string{}
	for _, v := range r.Violations {
		got[v.Policy] = v.Name
	}
	assert.Equal(t, map[string]string{"s3-public-access-block": "data", "kms-key-rotation": "kms-data"}, got)
}

func TestCheckCommand(t *testing.T) {
	code, out, stderr := runCLI("check", "--stack", "production", "--dir", projectDir, "--format", "json")
	require.Equal(t, 0, code, stderr)
	var report struct {
		Summary policies.Summary `json:"summary"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &report))
	assert.Equal(t, len(planStack(t, "production").Resources), report.Summary.Resources)
	assert.Equal(t, 0, report.Summary.Mandatory)
	assert.NotZero(t, report.Summary.Waived)

	for _, format := range []string{"text", "sarif", "markdown"} {
		code, out, stderr := runCLI("check", "--stack", "dr", "--dir", projectDir, "--format", format)
		assert.Equal(t, 0, code, stderr)
		assert.NotEmpty(t, out)
	}

	code, out, _ = runCLI("check", "--preview-json", filepath.Join(projectDir, "policies/testdata/preview.json"))
	assert.Equal(t, 1, code, "a mandatory violation exits 1")
	assert.Contains(t, out, "rds-multi-az")
	assert.NotContains(t, out, "hunter2")

	code, out, _ = runCLI("check", "--preview-json", filepath.Join(projectDir, "policies/testdata/preview-failed.json"))
	assert.Equal(t, 1, code, "a failed preview exits 1 though its partial steps pass")
	assert.Contains(t, out, "FAIL: the preview itself failed")
	assert.Contains(t, out, "unable to find the stack output databaseArn")
}

func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	malformed := filepath.Join(dir, "preview.json")
	require.NoError(t, os.WriteFile(malformed, []byte("{"), 0o644))
	badConfig := filepath.Join(dir, "pack.yaml")
	require.NoError(t, os.WriteFile(badConfig, []byte("waivers:\n  - policy: kms-key-rotation\n    resources: [x]\n"), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"--state", filepath.Join(dir, "nope.json")}, "nope.json"},
		{"malformed json", []string{"--preview-json", malformed}, "bad input: " + malformed + ": not the JSON `pulumi preview --json` prints: line 1, column 2"},
		{"unknown stack", []string{"--stack", "qa", "--dir", projectDir}, `unknown stack "qa"`},
		{"invalid pack config", []string{"--stack", "production", "--dir", projectDir, "--config", badConfig}, "waivers[0].reason: a waiver needs a reason"},
		{"two sources", []string{"--stack", "production", "--state", malformed}, "exactly one of"},
		{"bad format", []string{"--stack", "production", "--format", "html"}, "--format must be one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(append([]string{"check"}, tt.args...)...)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func BenchmarkCheckProduction(b *testing.B) {
	p := planStack(b, "production")
	cfg := platformConfig(b)
	resources := policies.FromPlan(p)
	b.ReportAllocs()
	for b.Loop() {
		r := policies.Evaluate(resources, policies.Options{Config: cfg, Stack: "production"})
		if r.Summary.Policies == 0 {
			b.Fatal("no policy ran")
		}
	}
}

// TestPackJudgesPulumiEksComponents: the pack guards programs built with
// pulumi-eks too. Under the mock engine (as in a preview) a pulumi-eks
// cluster is one component with the inputs the program gave it, and the
// EKS policies judge those; a component with no recorded inputs would be
// undecided (policies tests).
func TestPackJudgesPulumiEksComponents(t *testing.T) {
	p := plantest.Run(t, func(ctx *pulumi.Context) error {
		_, err := eks.NewCluster(ctx, "apps", &eks.ClusterArgs{
			Version:               pulumi.String("1.33"),
			EndpointPublicAccess:  pulumi.Bool(true),
			EndpointPrivateAccess: pulumi.Bool(false),
		})
		return err
	})
	cluster, ok := p.Named("eks:index:Cluster", "apps")
	require.True(t, ok)
	assert.False(t, cluster.Custom, "a remote component")
	cfg, err := policies.ParseConfig([]byte("params:\n  asOf: \"2026-11-23\"\n"), "pack.yaml")
	require.NoError(t, err)
	report := policies.Evaluate(policies.FromPlan(p), policies.Options{Config: cfg, Project: "apps", Stack: "dev"})
	found := map[string]bool{}
	for _, v := range report.Violations {
		if v.Name == "apps" {
			found[v.Policy] = true
		}
	}
	assert.True(t, found["eks-private-endpoint"], "a public endpoint on a pulumi-eks cluster")
	assert.True(t, found["eks-supported-version"], "1.33 left standard support on 2026-07-29")
	assert.True(t, found["eks-secrets-encryption"], "no encryptionConfigKeyArn")
}
