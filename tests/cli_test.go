package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/cli"
	"platform/internal/plan"
	"platform/stacks"
)

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := cli.Run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestPlanJSONContract pins the fields of `platform plan --format json`
// that later issues may add to but never change.
func TestPlanJSONContract(t *testing.T) {
	code, out, stderr := runCLI("plan", "--stack", "production", "--dir", projectDir, "--format", "json")
	require.Equal(t, 0, code, stderr)
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	for _, k := range []string{"project", "stack", "resources", "outputs"} {
		assert.Contains(t, doc, k)
	}
	var resources []map[string]any
	require.NoError(t, json.Unmarshal(doc["resources"], &resources))
	require.Len(t, resources, len(planStack(t, "production").Resources))
	for _, r := range resources {
		for _, k := range []string{"urn", "type", "name", "parent", "provider", "custom", "protect", "dependsOn", "inputs"} {
			require.Contains(t, r, k, "resource %v", r["urn"])
		}
	}
	var providers int
	for _, r := range resources {
		if r["type"] == "pulumi:providers:aws" {
			providers++
			inputs := r["inputs"].(map[string]any)
			assert.NotEmpty(t, inputs["region"])
			assert.NotEmpty(t, inputs["defaultTags"])
		}
	}
	assert.Equal(t, 2, providers, "providers are resources of the plan")
}

func TestPlanText(t *testing.T) {
	code, out, stderr := runCLI("plan", "--stack", "dr", "--dir", projectDir)
	require.Equal(t, 0, code, stderr)
	p := planStack(t, "dr")
	assert.Contains(t, out, fmt.Sprintf("Plan of platform/dr: %d resources", len(p.Resources)))
	assert.Contains(t, out, "└─ aws:kms/key:Key kms-secrets  [protect, retain]")
	assert.Contains(t, out, fmt.Sprintf("%6d  total", len(p.Resources)))
	assert.Contains(t, out, "pulumi:pulumi:StackReference primary  [read]")
}

func TestPlanUsageErrors(t *testing.T) {
	code, _, stderr := runCLI("plan", "--stack", "staging", "--dir", projectDir)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown stack "staging": the stacks are dr, production`)

	code, _, stderr = runCLI("plan", "--dir", projectDir)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--stack is required")

	code, _, stderr = runCLI("plan", "--stack", "production", "--dir", projectDir, "--format", "yaml")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--format must be text or json, got "yaml"`)

	code, _, stderr = runCLI("deploy")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "deploy"`)

	code, _, stderr = runCLI("plan", "--stack", "production", "--dir", t.TempDir())
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "Pulumi.yaml")
}

// writeProject copies Pulumi.yaml into a temporary project and adds a stack
// file with the given content.
func writeProject(t *testing.T, stack, content string) string {
	t.Helper()
	dir := t.TempDir()
	project, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi."+stack+".yaml"), []byte(content), 0o644))
	return dir
}

const badStack = `config:
  pulumi:disable-default-providers: [aws]
  platform:role: primary
  platform:region: us-east-1
  platform:accountId: "12345"
  platform:drRegion: us-east-1
  platform:protect: false
  platform:tags:
    environment: production
    owner: platform-team
    costCenter: cc-1
    dataClassification: restricted
  platform:network:
    azs: [us-east-1a, us-east-1b]
    vpcCidr: 10.10.0.0/16
  platform:database: {engineVersion: "16.4"}
  platform:cache: {engineVersion: "7.1"}
  platform:backup: {vaultLock: governance}
  platform:identity:
    adminPrincipals: [arn:aws:iam::123456789012:role/admins]
    auditorPrincipals: [arn:aws:iam::123456789012:role/auditors]
    breakGlassPrincipals: [arn:aws:iam::123456789012:user/break-glass]
    github: {repository: acme/platform}
  platform:cluster:
    version: "1.35"
    amiReleaseVersion: 1.35.0-20261110
    publicAccessCidrs: [0.0.0.0/0]
    nodeGroups:
      system: {instanceTypes: [m7g.large]}
      spot: {instanceTypes: [m7g.xlarge]}
    addons: {vpc-cni: v1, kube-proxy: v1, eks-pod-identity-agent: v1, coredns: v1, aws-ebs-csi-driver: v1}
    charts:
      aws-load-balancer-controller: {repository: https://aws.github.io/eks-charts, version: 3.5.0}
      external-dns: {repository: https://kubernetes-sigs.github.io/external-dns/, version: 1.21.1}
      external-secrets: {repository: https://charts.external-secrets.io, version: 2.9.0}
      cluster-autoscaler: {repository: https://kubernetes.github.io/autoscaler, version: 9.59.0}
      metrics-server: {repository: https://kubernetes-sigs.github.io/metrics-server/, version: 3.13.1}
      falco: {repository: https://falcosecurity.github.io/charts, version: 9.x}
  platform:baseline:
    platform:
      security: {podSecurity: privileged}
  platform:logging:
    charts:
      loki: {repository: https://grafana.github.io/helm-charts, version: 7.3.0}
      fluent-bit: {repository: https://fluent.github.io/helm-charts, version: 0.58.1}
    auditRetentionDays: 90
    search: {enabled: true, engineVersion: OpenSearch_2.19, instanceType: r7g.large.search, masterType: m7g.large.search, zones: 2, instanceCount: 4}
  platform:tracing:
    charts:
      opentelemetry-collector: {repository: https://open-telemetry.github.io/opentelemetry-helm-charts, version: 0.170.0}
      tempo-distributed: {repository: https://grafana-community.github.io/helm-charts, version: 2.26.2}
  platform:chaos:
    experiments:
      databaseFailover: {}
  platform:cost:
    monthlyBudgetUsd: 0
`

// TestBadConfigRegistersNothing: every problem is listed with its field
// path, the run fails, and no resource is registered.
func TestBadConfigRegistersNothing(t *testing.T) {
	dir := writeProject(t, "broken", badStack)
	planner, err := plan.NewPlanner(dir, stacks.Program)
	require.NoError(t, err)
	p, err := planner.Plan("broken")
	require.Error(t, err)
	for _, want := range []string{
		`accountId: must be the 12-digit AWS account id, got "12345"`,
		"drRegion: must differ from region (us-east-1)",
		"protect: must be true when tags.environment is production",
		"network.azs: need at least 3 availability zones, got 2",
		"cluster.publicAccessCidrs[0]: 0.0.0.0/0 opens the Kubernetes API to the whole internet",
		"cluster.nodeGroups.spot.instanceTypes: a spot group needs at least 3 instance types of one size, got 1",
		`cluster.charts.falco.version: must be an exact chart version such as 1.2.3, not a range, got "9.x"`,
		"baseline.platform.security.reason: say why the namespace needs Pod Security privileged rather than restricted",
		`baseline.platform.logging.podSecurity: node-exporter runs in logging and needs privileged (with a reason), got "restricted"`,
		`monitoring.chart.version: must be an exact chart version such as 1.2.3, not a range, got ""`,
		"monitoring.runbookBaseUrl: the https URL of this repository's docs/runbooks/",
		"logging.auditRetentionDays: audit and security logs are kept at least 365 days (PCI 10.5.1), got 90",
		"logging.search.zones: production spreads the domain over 3 availability zones, got 2",
		"chaos.experiments.databaseFailover.stopAlarms: an experiment needs a stop condition",
		"cost.monthlyBudgetUsd: is required: the stack's monthly AWS budget in USD",
		"cost.teams: the primary stack's team cost category needs at least one team",
	} {
		assert.Contains(t, err.Error(), want)
	}
	require.NotNil(t, p)
	assert.Empty(t, p.Resources, "nothing is registered, not even a provider")

	code, _, stderr := runCLI("plan", "--stack", "broken", "--dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "invalid stack config (Pulumi.broken.yaml, namespace platform:)")
	assert.Equal(t, 17, strings.Count(stderr, "\n")-1, "one line per problem after the heading:\n%s", stderr)
}

// TestStackFileProblemsAreRefused: a secret or an undeclared key in a
// stack file fails the plan with the file and the key named.
func TestStackFileProblemsAreRefused(t *testing.T) {
	production := mustRead(t, filepath.Join(projectDir, "Pulumi.production.yaml"))
	tests := []struct {
		name, old, new, want string
	}{
		{"secret", "config:\n", "config:\n  platform:dbPassword:\n    secure: AAABAKtN0ZzKn1Vv\n",
			"platform:dbPassword is a secret; the platform keeps no secret in stack config: put it in AWS Secrets Manager"},
		{"undeclared key", "platform:drRegion:", "platform:drRegoin:",
			"platform:drRegoin is not declared in Pulumi.yaml's config block (a typo?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProject(t, "production", strings.Replace(production, tt.old, tt.new, 1))
			code, _, stderr := runCLI("plan", "--stack", "production", "--dir", dir)
			assert.Equal(t, 1, code)
			assert.Contains(t, stderr, "Pulumi.production.yaml: "+tt.want)
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func BenchmarkPlanProduction(b *testing.B) {
	project, err := plan.LoadProject(projectDir)
	require.NoError(b, err)
	cfg, err := project.StackConfig("production")
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		p, err := plan.Run(plan.Options{Project: project.Name, Stack: "production", Config: cfg}, stacks.Program)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Resources) == 0 {
			b.Fatal("empty plan")
		}
	}
}
