package manifests

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const overlay = "testdata/overlays/production"

// TestRenderOverlay: the overlay's base, namespace, image and patch are
// applied as kustomize applies them, in the kustomization's order, and
// numbers are float64 as in a Pulumi plan's inputs.
func TestRenderOverlay(t *testing.T) {
	objs, err := Render(overlay)
	require.NoError(t, err)
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o["kind"].(string))
		assert.Equal(t, "shop", o["metadata"].(map[string]any)["namespace"], "the overlay's namespace is set on %s", o["kind"])
	}
	assert.Equal(t, []string{"Rollout", "Service", "PodDisruptionBudget", "ScaledObject", "AnalysisTemplate"}, kinds)

	rollout := objs[0]
	containers := dig(t, rollout, "spec", "template", "spec", "containers").([]any)
	assert.Equal(t, "123456789012.dkr.ecr.us-east-1.amazonaws.com/platform/shop:1.4.3", containers[0].(map[string]any)["image"], "images: newTag applied")
	assert.Equal(t, false, dig(t, rollout, "spec", "template", "spec", "automountServiceAccountToken"))

	scaled := objs[3]
	assert.Equal(t, 20.0, dig(t, scaled, "spec", "maxReplicaCount"), "the JSON patch applied; numbers are float64")
	assert.Equal(t, 2.0, dig(t, scaled, "spec", "minReplicaCount"))
	trigger := dig(t, scaled, "spec", "triggers").([]any)[1].(map[string]any)
	assert.Equal(t, "4", trigger["metadata"].(map[string]any)["desiredReplicas"], "KEDA's metadata values stay strings")
}

// TestRenderGenerators: generated objects are rendered too, with
// kustomize's content hash in their names.
func TestRenderGenerators(t *testing.T) {
	objs, err := Render("testdata/overlays/literal-secret")
	require.NoError(t, err)
	last := objs[len(objs)-1]
	assert.Equal(t, "Secret", last["kind"])
	assert.Regexp(t, `^shop-db-[a-z0-9]+$`, dig(t, last, "metadata", "name"))
	assert.Equal(t, "aHVudGVyMg==", dig(t, last, "data", "password"))
}

func TestResources(t *testing.T) {
	objs, err := Render(overlay)
	require.NoError(t, err)
	rs, err := Resources("deploy/shop/overlays/production", objs)
	require.NoError(t, err)
	require.Len(t, rs, 5)
	want := []struct{ typ, name string }{
		{"kubernetes:argoproj.io/v1alpha1:Rollout", "shop/shop"},
		{"kubernetes:core/v1:Service", "shop/shop"},
		{"kubernetes:policy/v1:PodDisruptionBudget", "shop/shop"},
		{"kubernetes:keda.sh/v1alpha1:ScaledObject", "shop/shop"},
		{"kubernetes:argoproj.io/v1alpha1:AnalysisTemplate", "shop/success-rate"},
	}
	for i, w := range want {
		assert.Equal(t, w.typ, rs[i].Type)
		assert.Equal(t, w.name, rs[i].Name)
		assert.Equal(t, "urn:pulumi:deploy/shop/overlays/production::manifests::"+w.typ+"::"+w.name, rs[i].URN)
		assert.Equal(t, objs[i], rs[i].Inputs, "the inputs are the object itself")
		assert.False(t, rs[i].Opaque(), "every object is judged")
	}
	assert.Equal(t, "urn:pulumi:deploy/shop/overlays/production::manifests::pulumi:pulumi:Stack::manifests-deploy/shop/overlays/production", StackURN("deploy/shop/overlays/production"))
}

func TestType(t *testing.T) {
	tests := []struct {
		apiVersion, kind, want string
	}{
		{"v1", "Secret", "kubernetes:core/v1:Secret"},
		{"apps/v1", "Deployment", "kubernetes:apps/v1:Deployment"},
		{"autoscaling/v2", "HorizontalPodAutoscaler", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"},
		{"external-secrets.io/v1", "ExternalSecret", "kubernetes:external-secrets.io/v1:ExternalSecret"},
	}
	for _, tt := range tests {
		got, err := Type(map[string]any{"apiVersion": tt.apiVersion, "kind": tt.kind})
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
	_, err := Type(map[string]any{"kind": "Secret"})
	assert.ErrorContains(t, err, "apiVersion and kind are required")
}

func TestName(t *testing.T) {
	assert.Equal(t, "mita/mita-backend", Name(map[string]any{"metadata": map[string]any{"name": "mita-backend", "namespace": "mita"}}))
	assert.Equal(t, "mita", Name(map[string]any{"metadata": map[string]any{"name": "mita"}}), "cluster-scoped")
}

// TestResourcesReportsEveryBadObject: every object without a kind or a
// name is named, all at once.
func TestResourcesReportsEveryBadObject(t *testing.T) {
	_, err := Resources("dir", []map[string]any{
		{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "ok"}},
		{"apiVersion": "v1", "metadata": map[string]any{"name": "no-kind"}},
		{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{}},
	})
	require.Error(t, err)
	assert.ErrorContains(t, err, "manifests dir: object 1: apiVersion and kind are required: every manifest names its apiVersion and kind")
	assert.ErrorContains(t, err, "manifests dir: object 2 (kubernetes:core/v1:Service): metadata.name is required")
}

// TestRenderErrors: each error names the directory and the fix.
func TestRenderErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kustomization.yaml")
	require.NoError(t, os.WriteFile(file, []byte("resources: []\n"), 0o644))
	tests := []struct {
		name, dir string
		want      []string
	}{
		{"missing", "testdata/nope", []string{"manifests testdata/nope:", "no such file or directory", "name a kustomize directory (deploy/<service>/overlays/<stack>)"}},
		{"a file", file, []string{"manifests " + file + ": not a directory", "not a file in it"}},
		{"no kustomization", "testdata/plain", []string{"manifests testdata/plain: no kustomization.yaml, kustomization.yml or Kustomization in the directory", "add a kustomization.yaml listing its resources"}},
		{"broken", "testdata/broken", []string{"manifests testdata/broken: kustomize cannot build it", "missing.yaml", "fix the kustomization or the files it lists"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(tt.dir)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
			_, err = Load(tt.dir)
			assert.Error(t, err)
		})
	}
}

func TestLoad(t *testing.T) {
	rs, err := Load("./testdata/overlays/production/")
	require.NoError(t, err)
	require.NotEmpty(t, rs)
	assert.Equal(t, "urn:pulumi:testdata/overlays/production::manifests::kubernetes:argoproj.io/v1alpha1:Rollout::shop/shop", rs[0].URN, "the directory is named cleaned")
	path, ok := KustomizationFile(overlay)
	assert.True(t, ok)
	assert.Equal(t, filepath.Join(overlay, "kustomization.yaml"), path)
	_, ok = KustomizationFile("testdata/plain")
	assert.False(t, ok)
}

func dig(t testing.TB, obj map[string]any, path ...string) any {
	t.Helper()
	var cur any = obj
	for _, k := range path {
		m, ok := cur.(map[string]any)
		require.True(t, ok, "%v at %s", path, k)
		cur = m[k]
	}
	return cur
}
