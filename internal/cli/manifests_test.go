package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/policies"
)

// root is the repository, from this package's directory.
var root = filepath.Join("..", "..")

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// jsonReport is the contract part of `platform check --format json`.
type jsonReport struct {
	Stack      string             `json:"stack"`
	Summary    policies.Summary   `json:"summary"`
	Violations []policies.Finding `json:"violations"`
	Undecided  []policies.Finding `json:"undecided"`
	Notes      []string           `json:"notes"`
}

func checkManifestsJSON(t *testing.T, wantCode int, dirs ...string) jsonReport {
	t.Helper()
	args := []string{"check", "--format", "json"}
	for _, d := range dirs {
		args = append(args, "--manifests", d)
	}
	code, out, stderr := runCLI(args...)
	require.Equal(t, wantCode, code, "stderr: %s\nstdout: %s", stderr, out)
	var r jsonReport
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	return r
}

// violations maps policy to the messages of its findings.
func violations(r jsonReport) map[string][]string {
	out := map[string][]string{}
	for _, f := range r.Violations {
		out[f.Policy] = append(out[f.Policy], f.Message)
	}
	return out
}

// TestCheckManifestsReleases: both overlays Argo CD syncs for the MITA
// backend pass with no finding, alone and together, in every format.
func TestCheckManifestsReleases(t *testing.T) {
	production := filepath.Join(root, "deploy/mita-backend/overlays/production")
	dr := filepath.Join(root, "deploy/mita-backend/overlays/dr")
	for _, dir := range []string{production, dr} {
		r := checkManifestsJSON(t, 0, dir)
		assert.Zero(t, r.Summary.Mandatory, "%s: %v", dir, r.Violations)
		assert.Zero(t, r.Summary.Advisory, "%s: %v", dir, r.Violations)
		assert.Empty(t, r.Undecided, dir)
		assert.NotZero(t, r.Summary.Resources, dir)
		assert.Equal(t, filepath.ToSlash(dir), r.Stack)
	}

	both := checkManifestsJSON(t, 0, production, dr)
	one := checkManifestsJSON(t, 0, production)
	assert.Equal(t, 2*one.Summary.Resources, both.Summary.Resources, "each directory is judged on its own, the counts add up")
	assert.Equal(t, one.Summary.Policies, both.Summary.Policies)
	assert.Len(t, both.Notes, 2)
	assert.Equal(t, filepath.ToSlash(production)+", "+filepath.ToSlash(dr), both.Stack)

	for _, format := range []string{"text", "markdown", "sarif"} {
		code, out, stderr := runCLI("check", "--manifests", production, "--format", format)
		assert.Equal(t, 0, code, stderr)
		assert.NotEmpty(t, out, format)
	}
	code, out, _ := runCLI("check", "--manifests", production)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "PASS: no mandatory violation")
	assert.Contains(t, out, "objects rendered with kustomize")
}

// TestCheckManifestsFixtures: the pack's manifest fixtures pass and fail
// as their kustomizations say, with findings that name the field path.
func TestCheckManifestsFixtures(t *testing.T) {
	fixtures := filepath.Join(root, "policies/testdata/manifests")

	passing := checkManifestsJSON(t, 0, filepath.Join(fixtures, "passing"))
	assert.Zero(t, passing.Summary.Mandatory, "%v", passing.Violations)
	assert.Empty(t, passing.Undecided)

	canary := checkManifestsJSON(t, 1, filepath.Join(fixtures, "canary-without-analysis"))
	got := violations(canary)
	require.Contains(t, got, "rollout-canary-analysis")
	assert.Contains(t, got["rollout-canary-analysis"][0], "spec.strategy.canary.steps")
	assert.Equal(t, 1, canary.Summary.Mandatory, "%v", canary.Violations)
	for _, f := range canary.Violations {
		if f.Policy == "rollout-canary-analysis" {
			assert.Equal(t, "kubernetes:argoproj.io/v1alpha1:Rollout", f.Type)
			assert.Equal(t, "fixture/fixture", f.Name)
			assert.Equal(t, policies.Mandatory, f.Enforcement)
		}
	}

	floor := checkManifestsJSON(t, 1, filepath.Join(fixtures, "floor-above-max"))
	got = violations(floor)
	assert.Equal(t, 3, floor.Summary.Mandatory, "%v", floor.Violations)
	require.Len(t, got["scaling-min-replicas"], 2)
	assert.Contains(t, strings.Join(got["scaling-min-replicas"], "\n"), "spec.minReplicaCount is 1")
	assert.Contains(t, strings.Join(got["scaling-min-replicas"], "\n"), "spec.triggers[1].metadata.desiredReplicas is 30, above spec.maxReplicaCount 20")
	require.Len(t, got["scaling-has-pdb"], 1)
	assert.Contains(t, got["scaling-has-pdb"][0], "spec.scaleTargetRef")

	// A failing directory fails the whole run, whichever comes first.
	code, _, _ := runCLI("check", "--manifests", filepath.Join(fixtures, "passing"), "--manifests", filepath.Join(fixtures, "floor-above-max"))
	assert.Equal(t, 1, code)
}

// TestCheckManifestsLiteralSecret: a Secret generated from Git into an
// application namespace is refused.
func TestCheckManifestsLiteralSecret(t *testing.T) {
	r := checkManifestsJSON(t, 1, filepath.Join(root, "internal/manifests/testdata/overlays/literal-secret"))
	got := violations(r)
	require.Len(t, got["k8s-no-literal-secrets"], 1, "%v", r.Violations)
	assert.Contains(t, got["k8s-no-literal-secrets"][0], "data.password")
	assert.Contains(t, got["k8s-no-literal-secrets"][0], "ExternalSecret")
	assert.NotContains(t, got["k8s-no-literal-secrets"][0], "hunter2")
}

// TestCheckManifestsSARIF: results point at the kustomization file of
// the directory at fault.
func TestCheckManifestsSARIF(t *testing.T) {
	dir := filepath.Join(root, "policies/testdata/manifests/canary-without-analysis")
	code, out, stderr := runCLI("check", "--manifests", dir, "--format", "sarif")
	require.Equal(t, 1, code, stderr)
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
					LogicalLocations []struct {
						FullyQualifiedName string `json:"fullyQualifiedName"`
					} `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, "2.1.0", doc.Version)
	require.Len(t, doc.Runs, 1)
	require.NotEmpty(t, doc.Runs[0].Results)
	found := false
	for _, res := range doc.Runs[0].Results {
		require.Len(t, res.Locations, 1)
		assert.Equal(t, filepath.ToSlash(filepath.Join(dir, "kustomization.yaml")), res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		if res.RuleID == "rollout-canary-analysis" {
			found = true
			assert.Equal(t, "error", res.Level)
			assert.Equal(t, "urn:pulumi:"+filepath.ToSlash(dir)+"::manifests::kubernetes:argoproj.io/v1alpha1:Rollout::fixture/fixture", res.Locations[0].LogicalLocations[0].FullyQualifiedName)
		}
	}
	assert.True(t, found)
}

// TestCheckManifestsBadInput: usage errors and directories that do not
// render exit 2, naming the directory and the fix.
func TestCheckManifestsBadInput(t *testing.T) {
	passing := filepath.Join(root, "policies/testdata/manifests/passing")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"with a stack", []string{"--manifests", passing, "--stack", "production"}, []string{"exactly one of --stack, --preview-json, --state and --manifests"}},
		{"with a preview", []string{"--manifests", passing, "--preview-json", "preview.json"}, []string{"exactly one of"}},
		{"missing directory", []string{"--manifests", "no/such/overlay"}, []string{"manifests no/such/overlay:", "name a kustomize directory"}},
		{"no kustomization", []string{"--manifests", filepath.Join(root, "internal/manifests/testdata/plain")}, []string{"no kustomization.yaml", "add a kustomization.yaml listing its resources"}},
		{"broken kustomization", []string{"--manifests", filepath.Join(root, "internal/manifests/testdata/broken")}, []string{"kustomize cannot build it", "missing.yaml", "fix the kustomization"}},
		{"one bad directory among good ones", []string{"--manifests", passing, "--manifests", "no/such/overlay"}, []string{"manifests no/such/overlay:"}},
		{"directories as arguments", []string{"--manifests", passing, filepath.Join(root, "deploy/mita-backend/overlays/dr")}, []string{"unexpected argument", "--manifests DIR for each directory"}},
		{"empty directory name", []string{"--manifests", ""}, []string{"name a directory"}},
		{"bad format", []string{"--manifests", passing, "--format", "html"}, []string{"--format must be one of"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCLI(append([]string{"check"}, tt.args...)...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out, "nothing is reported on bad input")
			for _, w := range tt.want {
				assert.Contains(t, stderr, w)
			}
		})
	}
}
