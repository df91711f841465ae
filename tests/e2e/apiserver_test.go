package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"platform/internal/manifests"
	"platform/internal/plan"
	"platform/stacks"
)

// apiPaths maps the kinds the stacks create to their REST paths: a kind
// the stacks start using fails the test until it is added here.
var apiPaths = map[string]struct {
	prefix, resource string
	namespaced       bool
}{
	"v1/Namespace":                       {"/api/v1", "namespaces", false},
	"v1/ResourceQuota":                   {"/api/v1", "resourcequotas", true},
	"v1/LimitRange":                      {"/api/v1", "limitranges", true},
	"networking.k8s.io/v1/NetworkPolicy": {"/apis/networking.k8s.io/v1", "networkpolicies", true},
	"storage.k8s.io/v1/StorageClass":     {"/apis/storage.k8s.io/v1", "storageclasses", false},
	"admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy":        {"/apis/admissionregistration.k8s.io/v1", "validatingadmissionpolicies", false},
	"admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": {"/apis/admissionregistration.k8s.io/v1", "validatingadmissionpolicybindings", false},
	"v1/ServiceAccount": {"/api/v1", "serviceaccounts", true},
	"v1/ConfigMap":      {"/api/v1", "configmaps", true},
	"rbac.authorization.k8s.io/v1/ClusterRole":        {"/apis/rbac.authorization.k8s.io/v1", "clusterroles", false},
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding": {"/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", false},
	"rbac.authorization.k8s.io/v1/RoleBinding":        {"/apis/rbac.authorization.k8s.io/v1", "rolebindings", true},
	"rbac.authorization.k8s.io/v1/Role":               {"/apis/rbac.authorization.k8s.io/v1", "roles", true},
	"policy/v1/PodDisruptionBudget":                   {"/apis/policy/v1", "poddisruptionbudgets", true},
	"networking.k8s.io/v1/Ingress":                    {"/apis/networking.k8s.io/v1", "ingresses", true},
}

// fromCharts are the kinds whose CRDs the add-ons' charts install: the
// charts cannot be fetched here, so their objects are counted, not
// applied. Helm releases are not Kubernetes objects at all.
var fromCharts = map[string]bool{
	"external-secrets.io/v1/ClusterSecretStore": true, "external-secrets.io/v1/ExternalSecret": true,
	"monitoring.coreos.com/v1/PrometheusRule": true,
	// Argo CD's projects and applications (components/delivery).
	"argoproj.io/v1alpha1/AppProject": true, "argoproj.io/v1alpha1/AppProjectPatch": true, "argoproj.io/v1alpha1/Application": true,
}

// apiServer is a real kube-apiserver with a real etcd on loopback.
type apiServer struct {
	url, token string
	client     *http.Client
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startAPIServer starts etcd and kube-apiserver (stopped with the test),
// or skips saying what is missing (fails under PLATFORM_E2E_REQUIRE).
func startAPIServer(t *testing.T) *apiServer {
	t.Helper()
	missing := func(msg string) {
		msg += "; run `make test-k8s`, which builds kube-apiserver and installs etcd"
		if os.Getenv("PLATFORM_E2E_REQUIRE") != "" {
			t.Fatal(msg)
		}
		t.Skip("API-server tests skipped: " + msg)
	}
	kas := os.Getenv("PLATFORM_KUBE_APISERVER")
	if kas == "" {
		missing("PLATFORM_KUBE_APISERVER is not set")
	}
	etcd, err := exec.LookPath("etcd")
	if err != nil {
		missing("no etcd on PATH")
	}
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	saKey := write("sa.key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	saPub := write("sa.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	token := "platform-test-token"
	tokens := write("tokens.csv", []byte(token+",admin,admin,system:masters\n"))

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	client, peer, secure := freePort(t), freePort(t), freePort(t)
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", client)
	start := func(name string, args ...string) {
		cmd := exec.CommandContext(ctx, name, args...)
		log, err := os.Create(filepath.Join(dir, filepath.Base(name)+".log"))
		require.NoError(t, err)
		cmd.Stdout, cmd.Stderr = log, log
		require.NoError(t, cmd.Start())
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_, _ = cmd.Process.Wait()
			if t.Failed() {
				b, _ := os.ReadFile(log.Name())
				if len(b) > 4000 {
					b = b[len(b)-4000:]
				}
				t.Logf("%s log (tail):\n%s", name, b)
			}
		})
	}
	start(etcd, "--data-dir", filepath.Join(dir, "etcd"), "--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", peer), "--initial-advertise-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", peer),
		"--initial-cluster", fmt.Sprintf("default=http://127.0.0.1:%d", peer))
	start(kas, "--etcd-servers", etcdURL, "--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(secure),
		"--cert-dir", filepath.Join(dir, "certs"), "--service-account-key-file", saPub, "--service-account-signing-key-file", saKey,
		"--service-account-issuer", "https://kubernetes.default.svc", "--token-auth-file", tokens,
		"--authorization-mode", "RBAC", "--service-cluster-ip-range", "10.96.0.0/16",
		// As on EKS: privileged pods are allowed by the API server, so the
		// platform's own admission is what refuses them.
		"--allow-privileged=true")
	s := &apiServer{url: fmt.Sprintf("https://127.0.0.1:%d", secure), token: token, client: &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, // its own self-signed certificate, on loopback
	}}
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, _ := s.do(t, http.MethodGet, "/readyz", "", nil)
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kube-apiserver not ready after 90 s (last status %d)", code)
		}
		time.Sleep(500 * time.Millisecond)
	}
	return s
}

func (s *apiServer) do(t *testing.T, method, path, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// apply server-side applies one object with strict field validation.
func (s *apiServer) apply(t *testing.T, obj map[string]any) (int, string) {
	t.Helper()
	kind, _ := obj["kind"].(string)
	apiVersion, _ := obj["apiVersion"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	p, ok := apiPaths[apiVersion+"/"+kind]
	require.True(t, ok, "no REST path for %s/%s: add it to apiPaths", apiVersion, kind)
	path := p.prefix
	if p.namespaced {
		path += "/namespaces/" + ns
	}
	path += "/" + p.resource + "/" + name + "?fieldManager=platform-test&fieldValidation=Strict&force=true"
	body, err := json.Marshal(obj)
	require.NoError(t, err)
	return s.do(t, http.MethodPatch, path, "application/apply-patch+yaml", body)
}

// TestAPIServer applies every typed Kubernetes object of each stack's
// offline plan to its own real API server (each stack is its own cluster)
// with strict validation, then exercises the admission policy and Pod
// Security admission for real. Then it applies what Argo CD syncs into
// that cluster: every overlay deploy/<service>/overlays/<stack>, rendered
// by internal/manifests, its built-in objects server-side with strict
// validation, and the pods of its Rollouts through admission.
func TestAPIServer(t *testing.T) {
	root := repoRoot(t)
	planner, err := plan.NewPlanner(root, stacks.Program)
	require.NoError(t, err)
	stackNames := []string{"production", "dr"}
	overlays := releaseOverlays(t, root, stackNames)
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			s := startAPIServer(t)
			p, err := planner.Plan(stack)
			require.NoError(t, err)
			s.applyAll(t, p)
			s.admission(t, map[string]string{"production": "us-east-1", "dr": "us-west-2"}[stack])
			for _, dir := range overlays[stack] {
				s.applyRelease(t, root, dir)
			}
		})
	}
}

// releaseGroups are the API groups of the release manifests' custom
// resources (Argo Rollouts' Rollout and AnalysisTemplate, KEDA's
// ScaledObject, the Prometheus operator's ServiceMonitor): their CRDs
// come from the add-ons' charts, which are not installed here, so those
// objects are counted, not applied. A Rollout's pod template still goes
// through admission as the pods it creates.
var releaseGroups = map[string]bool{"argoproj.io": true, "keda.sh": true, "monitoring.coreos.com": true, "external-secrets.io": true}

// releasePaths are the REST paths of built-in kinds the release
// manifests use and the stacks do not create (apiPaths has the others).
var releasePaths = map[string]struct {
	prefix, resource string
	namespaced       bool
}{
	"v1/Service": {"/api/v1", "services", true},
}

// releaseOverlays finds every overlay under deploy/*/overlays/* by
// stack: an overlay is named after the stack whose cluster Argo CD syncs
// it into, so one named otherwise fails.
func releaseOverlays(t *testing.T, root string, stackNames []string) map[string][]string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(root, "deploy", "*", "overlays", "*"))
	require.NoError(t, err)
	out := map[string][]string{}
	for _, dir := range dirs {
		if _, ok := manifests.KustomizationFile(dir); !ok {
			continue
		}
		stack := filepath.Base(dir)
		rel, _ := filepath.Rel(root, dir)
		require.Contains(t, stackNames, stack, "%s: an overlay is named after its stack (%s)", rel, strings.Join(stackNames, ", "))
		out[stack] = append(out[stack], dir)
	}
	require.NotEmpty(t, out, "no overlay under deploy/*/overlays/*")
	return out
}

// applyRelease renders an overlay and server-side applies its built-in
// objects with strict validation; each Rollout's pod template is created
// as a pod (dry run) so that Pod Security and the admission policy judge
// the pods Argo Rollouts will create.
func (s *apiServer) applyRelease(t *testing.T, root, dir string) {
	t.Helper()
	rel, _ := filepath.Rel(root, dir)
	objs, err := manifests.Render(dir)
	require.NoError(t, err)
	applied, pods := 0, 0
	skipped := map[string]int{}
	for _, o := range objs {
		apiVersion, _ := o["apiVersion"].(string)
		kind, _ := o["kind"].(string)
		meta, _ := o["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		if group, _, ok := strings.Cut(apiVersion, "/"); ok && releaseGroups[group] {
			skipped[kind]++
			if kind == "Rollout" {
				s.admitPodTemplate(t, rel, o)
				pods++
			}
			continue
		}
		p, ok := apiPaths[apiVersion+"/"+kind]
		if !ok {
			p, ok = releasePaths[apiVersion+"/"+kind]
		}
		require.True(t, ok, "%s: no REST path for %s/%s: add it to releasePaths", rel, apiVersion, kind)
		path := p.prefix
		if p.namespaced {
			path += "/namespaces/" + ns
		}
		path += "/" + p.resource + "/" + name + "?fieldManager=argocd-controller&fieldValidation=Strict&force=true"
		body, err := json.Marshal(o)
		require.NoError(t, err)
		code, resp := s.do(t, http.MethodPatch, path, "application/apply-patch+yaml", body)
		require.Contains(t, []int{200, 201}, code, "%s: %s %s/%s rejected: %s", rel, kind, ns, name, resp)
		applied++
	}
	require.NotZero(t, applied, "%s: no built-in object applied", rel)
	t.Logf("%s: applied %d built-in objects with server-side apply and strict validation; %d Rollout pod templates admitted; not applied (CRDs from charts): %v", rel, applied, pods, skipped)
}

// admitPodTemplate creates a Rollout's pod template as a pod in its
// namespace (dry run, strict validation): it must be admitted.
func (s *apiServer) admitPodTemplate(t *testing.T, rel string, rollout map[string]any) {
	t.Helper()
	meta, _ := rollout["metadata"].(map[string]any)
	spec, _ := rollout["spec"].(map[string]any)
	template, _ := spec["template"].(map[string]any)
	require.NotNil(t, template, "%s: Rollout %v has no spec.template", rel, meta["name"])
	podMeta, _ := template["metadata"].(map[string]any)
	ns, _ := meta["namespace"].(string)
	body, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": fmt.Sprint(meta["name"], "-release-probe"), "labels": podMeta["labels"]},
		"spec":     template["spec"],
	})
	require.NoError(t, err)
	code, resp := s.do(t, http.MethodPost, "/api/v1/namespaces/"+ns+"/pods?dryRun=All&fieldValidation=Strict", "application/json", body)
	require.Equal(t, http.StatusCreated, code, "%s: the pods of Rollout %s/%v are not admitted: %s", rel, ns, meta["name"], resp)
}

// applyAll server-side applies the plan's Kubernetes objects: namespaces
// first, admission policies before their bindings.
func (s *apiServer) applyAll(t *testing.T, p *plan.Plan) {
	t.Helper()
	var objects []map[string]any
	skipped := 0
	for _, r := range p.Resources {
		if !r.Custom || !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		if strings.HasPrefix(r.Type, "kubernetes:helm.sh/") || fromCharts[fmt.Sprint(r.Inputs["apiVersion"], "/", r.Inputs["kind"])] {
			skipped++
			continue
		}
		objects = append(objects, r.Inputs)
	}
	rank := func(o map[string]any) int {
		switch o["kind"] {
		case "Namespace":
			return 0
		case "ValidatingAdmissionPolicyBinding":
			return 2
		}
		return 1
	}
	sort.SliceStable(objects, func(i, j int) bool { return rank(objects[i]) < rank(objects[j]) })
	for _, o := range objects {
		code, body := s.apply(t, o)
		require.Contains(t, []int{200, 201}, code, "%s %v rejected: %s", o["kind"], o["metadata"], body)
	}
	require.NotEmpty(t, objects)
	t.Logf("%s: applied %d objects with server-side apply and strict validation (%d Helm releases and chart-defined objects not applied)", p.Stack, len(objects), skipped)
}

// admission creates pods in the mita namespace (dry run): a compliant one
// is admitted; each kind of violation is rejected with its message.
func (s *apiServer) admission(t *testing.T, region string) {
	t.Helper()
	// Without a controller manager no namespace gets its default service
	// account, which pod admission needs.
	code, body := s.do(t, http.MethodPost, "/api/v1/namespaces/mita/serviceaccounts", "application/json", []byte(`{"metadata":{"name":"default"}}`))
	require.Contains(t, []int{201, 409}, code, body)

	// The stack's registry: its account's ECR in its region.
	registry := "123456789012.dkr.ecr." + region + ".amazonaws.com/"
	image := registry + "mita:1.0.0"
	pod := func(edit func(c, spec map[string]any)) []byte {
		c := map[string]any{
			"name": "app", "image": image,
			"securityContext": map[string]any{"runAsNonRoot": true, "runAsUser": 10001, "allowPrivilegeEscalation": false,
				"capabilities": map[string]any{"drop": []any{"ALL"}}, "seccompProfile": map[string]any{"type": "RuntimeDefault"}},
			"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}, "limits": map[string]any{"memory": "256Mi"}},
		}
		spec := map[string]any{"containers": []any{c}, "automountServiceAccountToken": false}
		if edit != nil {
			edit(c, spec)
		}
		b, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "probe"}, "spec": spec})
		return b
	}
	create := func(body []byte) (int, string) {
		return s.do(t, http.MethodPost, "/api/v1/namespaces/mita/pods?dryRun=All&fieldValidation=Strict", "application/json", body)
	}
	// The policy is type-checked and bound asynchronously: wait until a
	// pod it must reject is rejected.
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := create(pod(func(c, _ map[string]any) { c["image"] = registry + "mita:latest" }))
		if code != http.StatusCreated || time.Now().After(deadline) {
			require.Contains(t, body, "images are pinned to a version or a digest, never latest", "a :latest image is rejected by the admission policy")
			break
		}
		time.Sleep(time.Second)
	}
	code, body = create(pod(nil))
	require.Equal(t, http.StatusCreated, code, "a compliant pod is admitted: %s", body)
	cases := []struct {
		name string
		edit func(c, spec map[string]any)
		want string
	}{
		{"privileged", func(c, _ map[string]any) {
			sc := c["securityContext"].(map[string]any)
			sc["privileged"], sc["allowPrivilegeEscalation"] = true, true // the API refuses privileged without escalation
		}, "privileged"},
		// The LimitRange fills in requests, never limits: a container
		// without a memory limit is refused.
		{"no limits", func(c, _ map[string]any) { delete(c, "resources") }, "every container sets CPU and memory requests and a memory limit"},
		{"foreign registry", func(c, _ map[string]any) { c["image"] = "docker.io/library/nginx:1.27" }, "images come from the platform's registries"},
		{"root", func(c, _ map[string]any) {
			sc := c["securityContext"].(map[string]any)
			delete(sc, "runAsNonRoot")
			sc["runAsUser"] = 0
		}, "restricted"},
	}
	for _, tc := range cases {
		code, body := create(pod(tc.edit))
		require.NotEqual(t, http.StatusCreated, code, "%s pod admitted", tc.name)
		require.Contains(t, body, tc.want, "%s pod", tc.name)
		t.Logf("%s pod rejected (%d): %.200s", tc.name, code, body)
	}
}
