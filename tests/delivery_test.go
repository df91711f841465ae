package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/manifests"
	"platform/internal/plan"
	"platform/internal/plantest"
)

// Delivery across its two owners: what Pulumi creates for a service (its
// contract) and what Argo CD syncs from deploy/ must name each other
// exactly, or the release starts and fails at run time (a ServiceAccount
// without its role, a Secret nobody writes, an image from another region).

// object finds a rendered object by kind and name.
func object(t *testing.T, objs []map[string]any, kind, name string) map[string]any {
	t.Helper()
	for _, o := range objs {
		if o["kind"] == kind && at(o, "metadata", "name") == name {
			return o
		}
	}
	require.Failf(t, "missing object", "%s %s", kind, name)
	return nil
}

func at(v any, path ...any) any {
	return plantest.Input(plan.Resource{Inputs: map[string]any{"v": v}}, append([]any{"v"}, path...)...)
}

func TestReleasesMeetTheirContract(t *testing.T) {
	region := map[string]string{"production": "us-east-1", "dr": "us-west-2"}
	for _, stack := range []string{"production", "dr"} {
		p := planStack(t, stack)
		app, ok := p.Named("kubernetes:argoproj.io/v1alpha1:Application", "delivery-app-mita-backend")
		require.True(t, ok, stack)
		path := plantest.Input(app, "spec", "source", "path").(string)
		assert.Equal(t, "deploy/mita-backend/overlays/"+stack, path)
		assert.Equal(t, "https://github.com/example-fintech/platform.git", plantest.Input(app, "spec", "source", "repoURL"))
		assert.Equal(t, "mita", plantest.Input(app, "spec", "project"))
		assert.Equal(t, "mita", plantest.Input(app, "spec", "destination", "namespace"))

		objs, err := manifests.Render(filepath.Join("..", path))
		require.NoError(t, err, "%s: the overlay Argo CD syncs builds", stack)
		for _, o := range objs {
			assert.Equal(t, "mita", at(o, "metadata", "namespace"), "%s: %s %s is in the service's namespace", stack, o["kind"], manifests.Name(o))
		}
		rollout := object(t, objs, "Rollout", "mita-backend")
		pod := at(rollout, "spec", "template", "spec")

		sa, ok := p.Named("kubernetes:core/v1:ServiceAccount", "service-mita-backend")
		require.True(t, ok)
		assert.Equal(t, plantest.Input(sa, "metadata", "name"), at(pod, "serviceAccountName"), "%s: the pods run as the account Pod Identity binds", stack)
		assoc, ok := p.Named("aws:eks/podIdentityAssociation:PodIdentityAssociation", "service-mita-backend")
		require.True(t, ok)
		assert.Equal(t, at(pod, "serviceAccountName"), assoc.Inputs["serviceAccount"])

		es, ok := p.Named("kubernetes:external-secrets.io/v1:ExternalSecret", "service-mita-backend-secrets")
		require.True(t, ok)
		secret := plantest.Input(es, "spec", "target", "name")
		var refs []any
		for _, c := range at(pod, "containers").([]any) {
			for _, from := range at(c, "envFrom").([]any) {
				if ref := at(from, "secretRef", "name"); ref != nil {
					refs = append(refs, ref)
				}
			}
		}
		assert.Equal(t, []any{secret}, refs, "%s: the pods read the Secret the ExternalSecret writes, and no other", stack)

		ing, ok := p.Named("kubernetes:networking.k8s.io/v1:Ingress", "service-mita-backend")
		require.True(t, ok)
		backend := plantest.Input(ing, "spec", "rules", 0, "http", "paths", 1, "backend", "service")
		svc := object(t, objs, "Service", at(backend, "name").(string))
		var names []any
		for _, port := range at(svc, "spec", "ports").([]any) {
			names = append(names, at(port, "name"))
		}
		assert.Contains(t, names, at(backend, "port", "name"), "%s: the Ingress targets a port the release's Service has", stack)

		image := at(pod, "containers", 0, "image").(string)
		repo, digest, ok := strings.Cut(image, "@sha256:")
		assert.True(t, ok && len(digest) == 64, "%s: the image is pinned by digest: %s", stack, image)
		assert.Equal(t, "123456789012.dkr.ecr."+region[stack]+".amazonaws.com/platform/mita-backend", repo, "%s: pulled from the stack's own region", stack)
		if stack == "production" {
			ecr, ok := p.Named("aws:ecr/repository:Repository", "service-mita-backend")
			require.True(t, ok)
			assert.Equal(t, "platform/mita-backend", ecr.Inputs["name"])
		} else {
			assert.Empty(t, p.OfType("aws:ecr/repository:Repository"), "dr pulls the replica ECR replication creates")
		}
	}
}

// TestEveryOverlayHasAnApplication: an overlay no Application syncs is
// never released, and an Application without its overlay fails to sync.
func TestEveryOverlayHasAnApplication(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "deploy", "*", "overlays", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	synced := map[string]bool{}
	for _, stack := range []string{"production", "dr"} {
		for _, app := range planStack(t, stack).OfType("kubernetes:argoproj.io/v1alpha1:Application") {
			synced[plantest.Input(app, "spec", "source", "path").(string)] = true
		}
	}
	for _, d := range dirs {
		if info, err := os.Stat(d); err != nil || !info.IsDir() {
			continue
		}
		rel := filepath.ToSlash(strings.TrimPrefix(d, ".."+string(filepath.Separator)))
		assert.True(t, synced[rel], "%s has no Application", rel)
		delete(synced, rel)
	}
	assert.Empty(t, synced, "Applications without an overlay")
}
