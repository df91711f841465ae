package delivery

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/components/addons"
	"platform/components/baseline"
	"platform/internal/plan"
	"platform/internal/plantest"
)

const (
	repoURL   = "https://github.com/example-fintech/platform.git"
	tRelease  = "kubernetes:helm.sh/v3:Release"
	tES       = "kubernetes:external-secrets.io/v1:ExternalSecret"
	tProject  = "kubernetes:argoproj.io/v1alpha1:AppProject"
	tPatch    = "kubernetes:argoproj.io/v1alpha1:AppProjectPatch"
	tApp      = "kubernetes:argoproj.io/v1alpha1:Application"
	component = "platform:delivery:Delivery"
)

func charts() map[string]addons.Chart {
	argo := "https://argoproj.github.io/argo-helm"
	return map[string]addons.Chart{
		ArgoCDChart:   {Repository: argo, Version: "10.1.1"},
		RolloutsChart: {Repository: argo, Version: "2.41.0"},
		KEDAChart:     {Repository: "https://kedacore.github.io/charts", Version: "2.20.2"},
	}
}

func baseArgs() *DeliveryArgs {
	return &DeliveryArgs{
		Stack: "production", RepoURL: repoURL, RepoSecretName: "platform/prod/argocd/github-app",
		Charts: charts(),
		OIDC: OIDC{
			Issuer: "https://login.example-fintech.com/oauth2/default", ClientID: "argocd-prod",
			ClientSecretName: "platform/prod/argocd/oidc",
		},
		AdminGroups: []string{"platform:admins"},
		Teams: []Team{
			{Name: "mita", Namespaces: []string{"mita"}},
			{Name: "payments", Namespaces: []string{"payments", "payments-batch"}, Groups: []string{"payments-devs"}},
		},
		Services: []Service{
			{Name: "mita-backend", Team: "mita", Namespace: "mita"},
			{Name: "ledger", Team: "payments", Namespace: "payments"},
			{Name: "settlement", Team: "payments", Namespace: "payments-batch"},
		},
	}
}

func planDelivery(t *testing.T, mutate func(*DeliveryArgs)) *plan.Plan {
	t.Helper()
	args := baseArgs()
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithKubernetes(t, func(ctx *pulumi.Context, k8s pulumi.ResourceOption) error {
		_, err := NewDelivery(ctx, "delivery", args, k8s)
		return err
	})
}

func named(t *testing.T, p *plan.Plan, typ, name string) plan.Resource {
	t.Helper()
	return plantest.Named(t, p, typ, "delivery-"+name)
}

// valuesOf returns a value of a release's values by path.
func valuesOf(t *testing.T, p *plan.Plan, release string) func(path ...any) any {
	r := named(t, p, tRelease, release)
	return func(path ...any) any { return plantest.Input(r, append([]any{"values"}, path...)...) }
}

func TestChildren(t *testing.T) {
	p := planDelivery(t, nil)
	assert.Equal(t, map[string]int{
		tRelease: 3,
		tES:      2,
		tPatch:   1,
		tProject: 2,
		tApp:     3,
	}, p.ChildTypes(component, "delivery"))
	plantest.AssertProviders(t, p, "us-east-1")
	for _, r := range p.Resources {
		if r.Custom && strings.HasPrefix(r.Type, "kubernetes:") && r.Type != tRelease {
			assert.Equal(t, "delivery", plantest.Input(r, "metadata", "namespace"), "%s lives in delivery", r.Name)
		}
	}
}

func TestReleases(t *testing.T) {
	p := planDelivery(t, nil)
	for release, chart := range map[string]string{ArgoCDRelease: ArgoCDChart, RolloutsRelease: RolloutsChart, KEDARelease: KEDAChart} {
		r := named(t, p, tRelease, release)
		assert.Equal(t, release, r.Inputs["name"])
		assert.Equal(t, chart, r.Inputs["chart"])
		assert.Equal(t, charts()[chart].Version, r.Inputs["version"], "%s is pinned", chart)
		assert.Equal(t, charts()[chart].Repository, plantest.Input(r, "repositoryOpts", "repo"))
		assert.Equal(t, "delivery", r.Inputs["namespace"])
		assert.Equal(t, false, r.Inputs["createNamespace"], "the baseline owns the namespace")
		assert.Equal(t, true, r.Inputs["atomic"], "a failed upgrade rolls back")
	}
	// Argo CD starts with its SSO and repository credentials in place.
	argocd := named(t, p, tRelease, ArgoCDRelease)
	assert.Contains(t, argocd.DependsOn, named(t, p, tES, "oidc").URN)
	assert.Contains(t, argocd.DependsOn, named(t, p, tES, "repository").URN)

	custom := planDelivery(t, func(a *DeliveryArgs) { a.Namespace = "gitops" })
	for _, release := range []string{ArgoCDRelease, RolloutsRelease, KEDARelease} {
		assert.Equal(t, "gitops", named(t, custom, tRelease, release).Inputs["namespace"])
	}
}

// assertRestricted checks a container security context.
func assertRestricted(t *testing.T, sc any, what string) {
	t.Helper()
	m, ok := sc.(map[string]any)
	require.True(t, ok, "%s has a security context", what)
	assert.Equal(t, true, m["runAsNonRoot"], what)
	assert.Equal(t, false, m["allowPrivilegeEscalation"], what)
	assert.Equal(t, true, m["readOnlyRootFilesystem"], what)
	assert.Equal(t, map[string]any{"drop": []any{"ALL"}}, m["capabilities"], what)
	assert.Equal(t, map[string]any{"type": "RuntimeDefault"}, m["seccompProfile"], what)
}

// assertResources checks CPU and memory requests and a memory limit.
func assertResources(t *testing.T, res any, what string) {
	t.Helper()
	m, ok := res.(map[string]any)
	require.True(t, ok, "%s has resources", what)
	requests, _ := m["requests"].(map[string]any)
	limits, _ := m["limits"].(map[string]any)
	assert.NotEmpty(t, requests["cpu"], what)
	assert.NotEmpty(t, requests["memory"], what)
	assert.NotEmpty(t, limits["memory"], what)
}

func TestArgoCDAvailability(t *testing.T) {
	v := valuesOf(t, planDelivery(t, nil), ArgoCDRelease)
	assert.Equal(t, 1.0, v("controller", "replicas"), "one controller, sharding off")
	for _, c := range []string{"server", "repoServer", "applicationSet"} {
		assert.Equal(t, 2.0, v(c, "replicas"), c)
		assert.Equal(t, map[string]any{"enabled": true, "minAvailable": 1.0}, v(c, "pdb"), c)
	}
	assert.Nil(t, v("controller", "pdb"), "no budget that would block a drain with one replica")
	assert.Equal(t, "hard", v("global", "affinity", "podAntiAffinity"), "replicas on different nodes")
	assert.Equal(t, []any{
		map[string]any{"maxSkew": 1.0, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule"},
		map[string]any{"maxSkew": 1.0, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"},
	}, v("global", "topologySpreadConstraints"), "strictly spread over zones; the chart adds each component's selector")

	ha := func(path ...any) any { return v(append([]any{"redis-ha"}, path...)...) }
	assert.Equal(t, true, ha("enabled"))
	assert.Equal(t, 3.0, ha("replicas"))
	assert.Equal(t, true, ha("hardAntiAffinity"))
	assert.Equal(t, map[string]any{"enabled": true, "maxSkew": 1.0, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule"},
		ha("topologySpreadConstraints"))
	assert.Equal(t, map[string]any{"maxUnavailable": 1.0}, ha("podDisruptionBudget"))
	assert.Equal(t, false, ha("persistentVolume", "enabled"), "a cache: nothing to keep")
	assert.Equal(t, true, ha("haproxy", "enabled"))
	assert.Equal(t, 3.0, ha("haproxy", "replicas"))
	assert.Equal(t, true, ha("haproxy", "hardAntiAffinity"))
	assert.Equal(t, map[string]any{"maxUnavailable": 1.0}, ha("haproxy", "podDisruptionBudget"))
}

func TestArgoCDSecurity(t *testing.T) {
	v := valuesOf(t, planDelivery(t, nil), ArgoCDRelease)
	cm := func(key string) any { return v("configs", "cm", key) }
	assert.Equal(t, false, cm("admin.enabled"), "no local admin")
	assert.Equal(t, false, cm("exec.enabled"), "no terminal into pods")
	assert.Equal(t, false, cm("users.anonymous.enabled"))
	assert.Equal(t, false, cm("statusbadge.enabled"))
	assert.Equal(t, `name: SSO
issuer: "https://login.example-fintech.com/oauth2/default"
clientID: "argocd-prod"
clientSecret: "$argocd-oidc:clientSecret"
requestedScopes: ["openid", "profile", "email", "groups"]
requestedIDTokenClaims: {"groups": {"essential": true}}
`, cm("oidc.config"), "the client secret is a reference to the synced Secret")
	assert.Equal(t, false, v("configs", "params", "server.insecure"), "the server serves TLS")
	assert.Equal(t, false, v("configs", "params", "applicationsetcontroller.enable.scm.providers"))

	assert.Equal(t, "", v("configs", "rbac", "policy.default"), "no access by default")
	assert.Equal(t, "[groups]", v("configs", "rbac", "scopes"))
	assert.Equal(t, "glob", v("configs", "rbac", "policy.matchMode"))
	assert.Equal(t, strings.Join([]string{
		"g, platform:admins, role:admin",
		"g, platform:auditors, role:readonly",
		"p, role:team-mita, applications, get, mita/*, allow",
		"p, role:team-mita, applications, sync, mita/*, allow",
		"g, platform:developers:mita, role:team-mita",
		"p, role:team-payments, applications, get, payments/*, allow",
		"p, role:team-payments, applications, sync, payments/*, allow",
		"g, payments-devs, role:team-payments",
	}, "\n")+"\n", v("configs", "rbac", "policy.csv"))

	assert.Equal(t, false, v("dex", "enabled"))
	assert.Equal(t, false, v("notifications", "enabled"))
	assert.Equal(t, "ClusterIP", v("server", "service", "type"))
	assert.Equal(t, false, v("server", "ingress", "enabled"))
	assert.Equal(t, false, v("global", "networkPolicy", "create"), "the baseline owns the namespace's policies")
	assert.Equal(t, PortForwardHost, v("global", "domain"))
	assert.Equal(t, map[string]any{"install": true, "keep": true}, v("crds"))

	pod := v("global", "securityContext").(map[string]any)
	assert.Equal(t, true, pod["runAsNonRoot"])
	assert.Equal(t, map[string]any{"type": "RuntimeDefault"}, pod["seccompProfile"])
	for _, c := range []string{"controller", "server", "repoServer", "applicationSet", "redisSecretInit"} {
		assertRestricted(t, v(c, "containerSecurityContext"), c)
		assertResources(t, v(c, "resources"), c)
	}
	assertRestricted(t, v("redis-ha", "containerSecurityContext"), "redis-ha")
	assert.Equal(t, 1000.0, v("redis-ha", "containerSecurityContext", "runAsUser"))
	assertRestricted(t, v("redis-ha", "haproxy", "containerSecurityContext"), "haproxy")
	assert.Equal(t, 99.0, v("redis-ha", "haproxy", "containerSecurityContext", "runAsUser"))
	for _, c := range [][]any{{"redis"}, {"sentinel"}, {"splitBrainDetection"}, {"init"}, {"haproxy"}, {"haproxy", "init"}} {
		assertResources(t, v(append(append([]any{"redis-ha"}, c...), "resources")...), "redis-ha "+c[0].(string))
	}
	for _, c := range []string{"controller", "server", "repoServer", "applicationSet"} {
		assert.Equal(t, map[string]any{"enabled": true, "serviceMonitor": map[string]any{"enabled": true}}, v(c, "metrics"), c)
	}
	assert.Equal(t, map[string]any{"enabled": true, "serviceMonitor": map[string]any{"enabled": true}}, v("redis-ha", "haproxy", "metrics"))

	// No secret value anywhere in the values: references only.
	b, err := json.Marshal(v())
	require.NoError(t, err)
	for _, s := range []string{"PRIVATE KEY", "password\":\"", "argocdServerAdminPassword", "clientSecret\":"} {
		assert.NotContains(t, string(b), s)
	}

	hosted := valuesOf(t, planDelivery(t, func(a *DeliveryArgs) { a.Host = "argocd.example-fintech.com" }), ArgoCDRelease)
	assert.Equal(t, "argocd.example-fintech.com", hosted("global", "domain"), "the OIDC redirect URI's host")
	assert.Equal(t, "ClusterIP", hosted("server", "service", "type"), "still no exposure from here")
	assert.Equal(t, false, hosted("server", "ingress", "enabled"))
}

func TestRollouts(t *testing.T) {
	v := valuesOf(t, planDelivery(t, nil), RolloutsRelease)
	assert.Equal(t, 2.0, v("controller", "replicas"), "two replicas: the chart turns on leader election")
	assert.Equal(t, map[string]any{"enabled": true, "minAvailable": 1.0}, v("controller", "pdb"))
	assert.Equal(t, "topology.kubernetes.io/zone", v("controller", "topologySpreadConstraints", 0, "topologyKey"))
	assert.Equal(t, "DoNotSchedule", v("controller", "topologySpreadConstraints", 0, "whenUnsatisfiable"))
	assert.Equal(t, false, v("dashboard", "enabled"))
	assert.Equal(t, map[string]any{"enabled": true, "serviceMonitor": map[string]any{"enabled": true}}, v("controller", "metrics"))
	assertResources(t, v("controller", "resources"), "rollouts")
	assertRestricted(t, v("containerSecurityContext"), "rollouts")
	assert.Equal(t, true, v("podSecurityContext", "runAsNonRoot"))
	assert.Equal(t, true, v("installCRDs"))
	providers := v("providerRBAC", "providers").(map[string]any)
	for name, on := range providers {
		assert.Equal(t, name == "awsLoadBalancerController", on, "RBAC for %s", name)
	}
	assert.Len(t, providers, 10, "every provider the chart knows is named")
}

func TestKEDA(t *testing.T) {
	v := valuesOf(t, planDelivery(t, nil), KEDARelease)
	assert.Equal(t, 2.0, v("operator", "replicaCount"))
	assert.Equal(t, 2.0, v("metricsServer", "replicaCount"))
	assert.Equal(t, map[string]any{"enabled": true, "replicaCount": 2.0, "failurePolicy": "Fail"}, v("webhooks"))
	assert.Equal(t, true, v("crds", "install"))
	for _, part := range []string{"operator", "metricServer", "webhooks"} {
		assertResources(t, v("resources", part), part)
		assertRestricted(t, v("securityContext", part), part)
		assert.Equal(t, true, v("podSecurityContext", part, "runAsNonRoot"), part)
		assert.Equal(t, map[string]any{"minAvailable": 1.0}, v("podDisruptionBudget", part), part)
		assert.Equal(t, map[string]any{"enabled": true, "serviceMonitor": map[string]any{"enabled": true}}, v("prometheus", part), part)
	}
	for part, app := range map[string]string{"operator": KEDAOperator, "metricsServer": KEDAMetricsServer, "webhooks": KEDAWebhooksName} {
		assert.Equal(t, map[string]any{
			"maxSkew": 1.0, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
			"labelSelector": map[string]any{"matchLabels": map[string]any{"app": app}},
		}, v("topologySpreadConstraints", part, 0), part)
	}
	assert.Equal(t, []any{map[string]any{"apiGroup": "argoproj.io", "kind": "rollouts"}}, v("rbac", "scaledRefKinds"),
		"Rollouts besides Deployments and StatefulSets, not every kind's scale")
	assert.Equal(t, true, v("permissions", "operator", "restrict", "secret"), "no Secret reads outside delivery")
	assert.Equal(t, true, v("permissions", "metricServer", "restrict", "secret"))
	assert.Nil(t, v("podIdentity"), "no AWS credentials")
}

func TestExternalSecrets(t *testing.T) {
	p := planDelivery(t, nil)
	store := map[string]any{"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}

	oidc := named(t, p, tES, "oidc")
	assert.Equal(t, OIDCSecret, plantest.Input(oidc, "metadata", "name"))
	assert.Equal(t, store, plantest.Input(oidc, "spec", "secretStoreRef"))
	assert.Equal(t, OIDCSecret, plantest.Input(oidc, "spec", "target", "name"))
	assert.Equal(t, map[string]any{"app.kubernetes.io/part-of": "argocd"}, plantest.Input(oidc, "spec", "target", "template", "metadata", "labels"),
		"Argo CD resolves $<secret>:<key> only in Secrets it is part of")
	assert.Equal(t, []any{map[string]any{"secretKey": "clientSecret", "remoteRef": map[string]any{"key": "platform/prod/argocd/oidc", "property": "clientSecret"}}},
		plantest.Input(oidc, "spec", "data"))

	repo := named(t, p, tES, "repository")
	assert.Equal(t, RepoCredentialsSecret, plantest.Input(repo, "metadata", "name"))
	assert.Equal(t, store, plantest.Input(repo, "spec", "secretStoreRef"))
	assert.Equal(t, "Owner", plantest.Input(repo, "spec", "target", "creationPolicy"))
	assert.Equal(t, map[string]any{"argocd.argoproj.io/secret-type": "repository", "app.kubernetes.io/part-of": "argocd"},
		plantest.Input(repo, "spec", "target", "template", "metadata", "labels"))
	assert.Equal(t, "Merge", plantest.Input(repo, "spec", "target", "template", "mergePolicy"))
	assert.Equal(t, map[string]any{"type": "git", "url": repoURL}, plantest.Input(repo, "spec", "target", "template", "data"))
	var keys []any
	for _, d := range plantest.Input(repo, "spec", "data").([]any) {
		m := d.(map[string]any)
		keys = append(keys, m["secretKey"])
		assert.Equal(t, "platform/prod/argocd/github-app", m["remoteRef"].(map[string]any)["key"])
		assert.Equal(t, m["secretKey"], m["remoteRef"].(map[string]any)["property"])
	}
	assert.Equal(t, []any{"githubAppID", "githubAppInstallationID", "githubAppPrivateKey"}, keys)
}

func TestProjects(t *testing.T) {
	p := planDelivery(t, nil)
	argocd := named(t, p, tRelease, ArgoCDRelease)
	blacklist := []any{
		map[string]any{"group": "", "kind": "ResourceQuota"},
		map[string]any{"group": "", "kind": "LimitRange"},
		map[string]any{"group": "networking.k8s.io", "kind": "NetworkPolicy"},
		map[string]any{"group": "rbac.authorization.k8s.io", "kind": "Role"},
		map[string]any{"group": "rbac.authorization.k8s.io", "kind": "RoleBinding"},
		map[string]any{"group": "", "kind": "ServiceAccount"},
		map[string]any{"group": "", "kind": "Secret"},
		map[string]any{"group": "networking.k8s.io", "kind": "Ingress"},
		map[string]any{"group": "external-secrets.io", "kind": "ExternalSecret"},
		map[string]any{"group": "external-secrets.io", "kind": "SecretStore"},
	}
	for team, namespaces := range map[string][]string{"mita": {"mita"}, "payments": {"payments", "payments-batch"}} {
		r := named(t, p, tProject, "project-"+team)
		assert.Equal(t, team, plantest.Input(r, "metadata", "name"))
		assert.Equal(t, []any{repoURL}, plantest.Input(r, "spec", "sourceRepos"), "this repository only")
		var want []any
		for _, ns := range namespaces {
			want = append(want, map[string]any{"server": "https://kubernetes.default.svc", "namespace": ns})
		}
		assert.Equal(t, want, plantest.Input(r, "spec", "destinations"), "the team's namespaces only")
		assert.Equal(t, []any{}, plantest.Input(r, "spec", "clusterResourceWhitelist"), "no cluster-scoped kind")
		assert.Equal(t, blacklist, plantest.Input(r, "spec", "namespaceResourceBlacklist"), "none of the platform's kinds")
		assert.Nil(t, plantest.Input(r, "spec", "roles"), "access comes from argocd-rbac-cm only")
		assert.Nil(t, plantest.Input(r, "spec", "namespaceResourceWhitelist"))
		assert.Equal(t, true, plantest.Input(r, "spec", "orphanedResources", "warn"))
		b, err := json.Marshal(r.Inputs["spec"])
		require.NoError(t, err)
		assert.NotContains(t, string(b), "*", "no wildcard in a team's project")
		assert.Contains(t, r.DependsOn, argocd.URN, "the AppProject CRD comes with Argo CD")
	}

	def := named(t, p, tPatch, "default-project")
	assert.Equal(t, "default", plantest.Input(def, "metadata", "name"))
	assert.Equal(t, "true", plantest.Input(def, "metadata", "annotations", "pulumi.com/patchForce"), "the server created it")
	for _, field := range []string{"sourceRepos", "destinations", "sourceNamespaces", "clusterResourceWhitelist"} {
		assert.Equal(t, []any{}, plantest.Input(def, "spec", field), field)
	}
	assert.Equal(t, []any{map[string]any{"group": "*", "kind": "*"}}, plantest.Input(def, "spec", "namespaceResourceBlacklist"))
	assert.Contains(t, def.DependsOn, argocd.URN)
}

func TestApplications(t *testing.T) {
	for _, stack := range []string{"production", "dr"} {
		p := planDelivery(t, func(a *DeliveryArgs) { a.Stack = stack })
		for _, s := range baseArgs().Services {
			r := named(t, p, tApp, "app-"+s.Name)
			spec := func(path ...any) any { return plantest.Input(r, append([]any{"spec"}, path...)...) }
			assert.Equal(t, s.Name, plantest.Input(r, "metadata", "name"))
			assert.Equal(t, []any{ResourcesFinalizer}, plantest.Input(r, "metadata", "finalizers"))
			assert.Equal(t, s.Team, spec("project"), "the team's project")
			assert.Equal(t, map[string]any{"repoURL": repoURL, "targetRevision": "main", "path": "deploy/" + s.Name + "/overlays/" + stack}, spec("source"))
			assert.Equal(t, map[string]any{"server": "https://kubernetes.default.svc", "namespace": s.Namespace}, spec("destination"))
			assert.Equal(t, map[string]any{"prune": true, "selfHeal": true, "allowEmpty": false}, spec("syncPolicy", "automated"))
			assert.Equal(t, []any{"ServerSideApply=true", "PrunePropagationPolicy=foreground", "CreateNamespace=false", "RespectIgnoreDifferences=true"},
				spec("syncPolicy", "syncOptions"))
			assert.Equal(t, 5.0, spec("syncPolicy", "retry", "limit"))
			assert.Equal(t, map[string]any{"duration": "10s", "factor": 2.0, "maxDuration": "5m"}, spec("syncPolicy", "retry", "backoff"))
			assert.Equal(t, []any{map[string]any{"group": "argoproj.io", "kind": "Rollout", "jsonPointers": []any{"/spec/replicas"}}},
				spec("ignoreDifferences"), "the HPA owns the Rollout's replicas")
			for _, dep := range []plan.Resource{
				named(t, p, tRelease, ArgoCDRelease), named(t, p, tRelease, RolloutsRelease), named(t, p, tRelease, KEDARelease),
				named(t, p, tProject, "project-"+s.Team), named(t, p, tES, "repository"),
			} {
				assert.Contains(t, r.DependsOn, dep.URN, "%s after %s", s.Name, dep.Name)
			}
		}
	}
	pinned := planDelivery(t, func(a *DeliveryArgs) { a.Revision = "release-2026.11" })
	assert.Equal(t, "release-2026.11", plantest.Input(named(t, pinned, tApp, "app-ledger"), "spec", "source", "targetRevision"))
}

func TestNeeds(t *testing.T) {
	n := Needs("delivery")
	assert.Equal(t, []int{6443, 9443}, n.WebhookPorts, "KEDA's metrics API server and admission webhooks")
	assert.True(t, n.InternetHTTPS, "GitHub and the identity provider")
	assert.True(t, n.IntraNamespace)
	assert.False(t, n.AWSAPIs)
	assert.Equal(t, []baseline.Flow{{From: "delivery", To: "monitoring", Ports: []int{9090}}}, n.Flows)
	for _, p := range Catalog {
		assert.NotEmpty(t, p.Why, p.Name)
		assert.Contains(t, []string{ArgoCDRelease, RolloutsRelease, KEDARelease}, p.Release, p.Name)
	}
}

func TestValidation(t *testing.T) {
	invalid := func(mutate func(*DeliveryArgs), want ...string) {
		t.Helper()
		args := baseArgs()
		mutate(args)
		plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
			_, err := NewDelivery(ctx, "delivery", args)
			return err
		}, want...)
	}
	invalid(func(a *DeliveryArgs) { a.RepoURL = "git@github.com:example-fintech/platform.git" },
		`delivery.repoUrl: must be an https URL of this repository`)
	invalid(func(a *DeliveryArgs) { a.RepoURL = "https://github.com/example-fintech/*" }, `delivery.repoUrl:`)
	invalid(func(a *DeliveryArgs) { a.RepoURL = "http://github.com/example-fintech/platform.git" }, `delivery.repoUrl:`)
	invalid(func(a *DeliveryArgs) { a.Services[0].Team = "payment" }, `delivery.services[0].team: "payment" is not a team`)
	invalid(func(a *DeliveryArgs) { a.Services[1].Namespace = "mita" },
		`delivery.services[1].namespace: "mita" is not among team "payments"'s namespaces (payments, payments-batch)`)
	invalid(func(a *DeliveryArgs) { a.Services = append(a.Services, a.Services[0]) }, `delivery.services[3].name: "mita-backend" is a duplicate service`)
	invalid(func(a *DeliveryArgs) { a.Teams[0].Namespaces = nil }, `delivery.teams[0].namespaces: team "mita" has no namespace`)
	invalid(func(a *DeliveryArgs) { a.Teams[1].Namespaces = append(a.Teams[1].Namespaces, "mita") },
		`delivery.teams[1].namespaces[2]: "mita" already belongs to team "mita"`)
	invalid(func(a *DeliveryArgs) { a.Teams[0].Namespaces = []string{"kube-system"} }, `delivery.teams[0].namespaces[0]: "kube-system" is not an application namespace`)
	invalid(func(a *DeliveryArgs) { a.Teams[0].Namespaces = []string{"delivery"} }, `delivery.teams[0].namespaces[0]: "delivery" is not an application namespace`)
	invalid(func(a *DeliveryArgs) { a.Teams[0].Name = "default" }, `delivery.teams[0].name: "default" is Argo CD's default project`)
	invalid(func(a *DeliveryArgs) { a.Teams[1].Name = "mita" }, `delivery.teams[1].name: "mita" is a duplicate team`)
	invalid(func(a *DeliveryArgs) { a.Teams[1].Groups = []string{"payments, devs"} }, `delivery.teams[1].groups[0]: a group name without spaces, commas or quotes`)
	invalid(func(a *DeliveryArgs) { a.AdminGroups = nil }, `delivery.adminGroups: the local admin is disabled`)
	invalid(func(a *DeliveryArgs) { a.AuditorGroups = []string{"a,b"} }, `delivery.auditorGroups[0]:`)
	invalid(func(a *DeliveryArgs) {
		a.Charts[ArgoCDChart] = addons.Chart{Repository: "https://argoproj.github.io/argo-helm", Version: "^10"}
	},
		`delivery.charts.argo-cd.version: must be an exact chart version`)
	invalid(func(a *DeliveryArgs) { delete(a.Charts, KEDAChart); a.Charts["argo-workflows"] = addons.Chart{} },
		`delivery.charts.keda: pin the chart`, `delivery.charts.argo-workflows: not a chart delivery installs`)
	invalid(func(a *DeliveryArgs) { a.OIDC = OIDC{Issuer: "http://idp"} },
		`delivery.oidc.issuer:`, `delivery.oidc.clientId:`, `delivery.oidc.clientSecretName:`)
	invalid(func(a *DeliveryArgs) { a.Stack = "" }, `delivery.stack: name the stack's overlay`)
	invalid(func(a *DeliveryArgs) { a.Revision = "main branch" }, `delivery.revision: a branch, tag or commit`)
	invalid(func(a *DeliveryArgs) { a.RepoSecretName = "" }, `delivery.repoSecretName:`)
	invalid(func(a *DeliveryArgs) { a.Host = "https://argocd" }, `delivery.host:`)
	invalid(func(a *DeliveryArgs) { a.Namespace = "Delivery" }, `delivery.namespace: must be a DNS label`)

	// Every problem at once.
	err := (DeliveryArgs{}).Validate()
	require.Error(t, err)
	for _, want := range []string{"delivery.stack:", "delivery.repoUrl:", "delivery.repoSecretName:", "delivery.charts.argo-cd:",
		"delivery.charts.argo-rollouts:", "delivery.charts.keda:", "delivery.oidc.issuer:", "delivery.adminGroups:"} {
		assert.Contains(t, err.Error(), want)
	}
	require.NoError(t, baseArgs().Validate())
}

func TestDefaults(t *testing.T) {
	a := baseArgs().withDefaults()
	assert.Equal(t, "delivery", a.Namespace)
	assert.Equal(t, "main", a.Revision)
	assert.Equal(t, []string{baseline.AuditorsGroup}, a.AuditorGroups)
	assert.Equal(t, []string{"platform:developers:mita"}, a.Teams[0].Groups, "the cluster's developers group of each namespace")
	assert.Equal(t, []string{"payments-devs"}, a.Teams[1].Groups, "given groups are kept")
	assert.Nil(t, baseArgs().Teams[0].Groups, "defaults do not write through to the caller's args")
}
