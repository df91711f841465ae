package baseline

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
	"platform/policies"
)

func sized(name string, app bool) Namespace {
	return Namespace{
		Name: name, PodSecurity: Restricted, Application: app,
		Quota:  Quota{RequestsCPU: "4", RequestsMemory: "8Gi", LimitsMemory: "16Gi", Pods: 50},
		Limits: Limits{DefaultRequestCPU: "100m", DefaultRequestMemory: "128Mi"},
	}
}

func baseArgs() *BaselineArgs {
	mita := sized("mita", true)
	mita.DataPorts = []int{5432, 6379}
	mita.Developers = true
	security := sized("security", false)
	security.PodSecurity, security.Reason = Privileged, "Falco's eBPF probe needs the host"
	return &BaselineArgs{
		Namespaces:        []Namespace{sized("monitoring", false), security, mita},
		KubernetesVersion: "1.35", VpcCidr: "10.10.0.0/16", DataCidrs: []string{"10.10.128.0/20", "10.10.144.0/20", "10.10.160.0/20"},
		Registries: []string{"123456789012.dkr.ecr.us-east-1.amazonaws.com/"},
	}
}

func planBaseline(t *testing.T, mutate func(*BaselineArgs)) *plan.Plan {
	t.Helper()
	args := baseArgs()
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithKubernetes(t, func(ctx *pulumi.Context, k8s pulumi.ResourceOption) error {
		_, err := NewBaseline(ctx, "baseline", args, k8s)
		return err
	})
}

func TestBaselineChildren(t *testing.T) {
	p := planBaseline(t, nil)
	assert.Equal(t, map[string]int{
		"kubernetes:core/v1:Namespace":                                                3,
		"kubernetes:networking.k8s.io/v1:NetworkPolicy":                               6,
		"kubernetes:core/v1:ResourceQuota":                                            3,
		"kubernetes:core/v1:LimitRange":                                               3,
		"kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy":        1,
		"kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": 2,
		"kubernetes:core/v1:ServiceAccountPatch":                                      3,
		"kubernetes:rbac.authorization.k8s.io/v1:RoleBinding":                         1,
		"kubernetes:rbac.authorization.k8s.io/v1:ClusterRole":                         1,
		"kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding":                  1,
	}, p.ChildTypes("platform:baseline:Baseline", "baseline"))
	for _, r := range p.Resources {
		if strings.HasPrefix(r.Type, "kubernetes:") && r.Custom {
			assert.Contains(t, r.Provider, "pulumi:providers:kubernetes::k8s", "%s takes the cluster's provider", r.Name)
		}
	}
}

func TestNamespaceGuardrails(t *testing.T) {
	p := planBaseline(t, nil)
	mita, ok := p.Named("kubernetes:core/v1:Namespace", "baseline-mita")
	require.True(t, ok)
	labels := plantest.Input(mita, "metadata", "labels").(map[string]any)
	assert.Equal(t, "restricted", labels["pod-security.kubernetes.io/enforce"])
	assert.Equal(t, "v1.35", labels["pod-security.kubernetes.io/enforce-version"], "the PSS version is pinned")
	assert.Equal(t, "application", labels[TierLabel])
	security, _ := p.Named("kubernetes:core/v1:Namespace", "baseline-security")
	assert.Equal(t, "privileged", plantest.Input(security, "metadata", "labels", "pod-security.kubernetes.io/enforce"))
	assert.Equal(t, "restricted", plantest.Input(security, "metadata", "labels", "pod-security.kubernetes.io/warn"), "it still warns at restricted")
	assert.Equal(t, "Falco's eBPF probe needs the host", plantest.Input(security, "metadata", "annotations", "platform/pod-security-reason"))

	deny, ok := p.Named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "baseline-mita-default-deny")
	require.True(t, ok)
	assert.Equal(t, map[string]any{}, plantest.Input(deny, "spec", "podSelector"))
	assert.Equal(t, []any{"Ingress", "Egress"}, plantest.Input(deny, "spec", "policyTypes"))
	assert.Nil(t, plantest.Input(deny, "spec", "ingress"))
	assert.Nil(t, plantest.Input(deny, "spec", "egress"))

	allow, _ := p.Named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "baseline-mita-allow")
	egress := plantest.Input(allow, "spec", "egress").([]any)
	require.Len(t, egress, 3, "DNS, the VPC on 443, the data tier")
	assert.Equal(t, []any{map[string]any{"port": 53.0, "protocol": "UDP"}, map[string]any{"port": 53.0, "protocol": "TCP"}}, egress[0].(map[string]any)["ports"])
	assert.Equal(t, []any{map[string]any{"port": 5432.0, "protocol": "TCP"}, map[string]any{"port": 6379.0, "protocol": "TCP"}}, egress[2].(map[string]any)["ports"])
	monitoringAllow, _ := p.Named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "baseline-monitoring-allow")
	assert.Len(t, plantest.Input(monitoringAllow, "spec", "egress"), 2, "no data-tier egress unless configured")

	quota, _ := p.Named("kubernetes:core/v1:ResourceQuota", "baseline-mita-quota")
	assert.Equal(t, map[string]any{"requests.cpu": "4", "requests.memory": "8Gi", "limits.memory": "16Gi", "pods": "50"}, plantest.Input(quota, "spec", "hard"))
	limits, _ := p.Named("kubernetes:core/v1:LimitRange", "baseline-mita-limits")
	assert.Equal(t, "128Mi", plantest.Input(limits, "spec", "limits", 0, "defaultRequest", "memory"))
	assert.Nil(t, plantest.Input(limits, "spec", "limits", 0, "default"), "no default limit: a missing memory limit is refused, not filled in")
	assert.Nil(t, plantest.Input(limits, "spec", "limits", 0, "max"), "a max would become a default limit")
	assert.Equal(t, "mita", plantest.Input(limits, "metadata", "namespace"))

	withDefault := planBaseline(t, func(a *BaselineArgs) { a.Namespaces[0].Limits.DefaultLimitMemory = "256Mi" })
	mon, _ := withDefault.Named("kubernetes:core/v1:LimitRange", "baseline-monitoring-limits")
	assert.Equal(t, "256Mi", plantest.Input(mon, "spec", "limits", 0, "default", "memory"), "charts' helper containers get a limit the quota admits")
	assert.Nil(t, plantest.Input(mon, "spec", "limits", 0, "default", "cpu"), "never a CPU limit")
}

// TestFlows: a cross-namespace flow opens egress in its sources and
// ingress in its destination, on its ports only, and nothing elsewhere.
func TestFlows(t *testing.T) {
	p := planBaseline(t, func(a *BaselineArgs) {
		a.Flows = []Flow{{From: Applications, To: "monitoring", Ports: []int{4317, 4318}}}
	})
	rules := func(ns, dir string) []any {
		allow, ok := p.Named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "baseline-"+ns+"-allow")
		require.True(t, ok)
		r, _ := plantest.Input(allow, "spec", dir).([]any)
		return r
	}
	otlp := []any{map[string]any{"port": 4317.0, "protocol": "TCP"}, map[string]any{"port": 4318.0, "protocol": "TCP"}}
	egress := rules("mita", "egress")
	require.Len(t, egress, 4, "DNS, the VPC on 443, the data tier, the collector")
	assert.Equal(t, otlp, egress[3].(map[string]any)["ports"])
	selector := func(rule any, key string) any {
		return rule.(map[string]any)[key].([]any)[0].(map[string]any)["namespaceSelector"].(map[string]any)["matchLabels"]
	}
	assert.Equal(t, map[string]any{"kubernetes.io/metadata.name": "monitoring"}, selector(egress[3], "to"))
	ingress := rules("monitoring", "ingress")
	last := ingress[len(ingress)-1].(map[string]any)
	assert.Equal(t, otlp, last["ports"])
	assert.Equal(t, map[string]any{TierLabel: "application"}, selector(last, "from"), "from every application namespace")
	assert.Len(t, rules("security", "egress"), 2, "a namespace outside the flow gains nothing")
	assert.Len(t, rules("monitoring", "egress"), 2, "the destination gets no egress")
}

func TestAdmissionPolicy(t *testing.T) {
	p := planBaseline(t, nil)
	policy, ok := p.Named("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy", "baseline-pod-guardrails")
	require.True(t, ok)
	assert.Equal(t, "Fail", plantest.Input(policy, "spec", "failurePolicy"))
	validations := plantest.Input(policy, "spec", "validations").([]any)
	assert.Len(t, validations, 6)
	var messages []string
	for _, v := range validations {
		messages = append(messages, v.(map[string]any)["message"].(string))
	}
	assert.Contains(t, messages, "images are pinned to a version or a digest, never latest")
	assert.Contains(t, messages, "privileged containers are not allowed")
	assert.Contains(t, validations[1].(map[string]any)["expression"], "'123456789012.dkr.ecr.us-east-1.amazonaws.com/'")

	deny, _ := p.Named("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding", "baseline-pod-guardrails-deny")
	assert.Equal(t, []any{"Deny"}, plantest.Input(deny, "spec", "validationActions"))
	assert.Equal(t, "In", plantest.Input(deny, "spec", "matchResources", "namespaceSelector", "matchExpressions", 0, "operator"))
	audit, _ := p.Named("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding", "baseline-pod-guardrails-audit")
	assert.Equal(t, []any{"Audit"}, plantest.Input(audit, "spec", "validationActions"))
	assert.Equal(t, "NotIn", plantest.Input(audit, "spec", "matchResources", "namespaceSelector", "matchExpressions", 0, "operator"))
}

// TestBaselinePassesThePack: the namespace controls of the pack (rows
// 68-70) hold for every namespace the baseline creates; the one namespace
// allowed more than restricted is the pack's finding, which a stack
// carries only with a waiver (reason, approver, expiry) in pack.yaml.
func TestBaselinePassesThePack(t *testing.T) {
	p := planBaseline(t, nil)
	report := policies.Evaluate(policies.FromPlan(p), policies.Options{Project: "platform", Stack: "test"})
	var found []string
	for _, v := range report.Violations {
		found = append(found, v.Policy+" "+v.Name)
	}
	assert.Equal(t, []string{"k8s-namespace-pod-security baseline-security"}, found)
	assert.Empty(t, report.Undecided)
}

func TestInvalidBaselineArgs(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*BaselineArgs)
		want   string
	}{
		{"no pod security level", func(a *BaselineArgs) { a.Namespaces[0].PodSecurity = "" }, "namespaces[0] (monitoring).podSecurity: must be restricted, baseline or privileged"},
		{"privileged without a reason", func(a *BaselineArgs) { a.Namespaces[1].Reason = "" }, "namespaces[1] (security).reason: say why"},
		{"privileged application", func(a *BaselineArgs) { a.Namespaces[2].PodSecurity, a.Namespaces[2].Reason = Privileged, "x" }, "namespaces[2] (mita).podSecurity: application namespaces enforce restricted"},
		{"bad quota", func(a *BaselineArgs) { a.Namespaces[0].Quota.LimitsMemory = "lots" }, `namespaces[0] (monitoring).quota.limitsMemory: must be a Kubernetes quantity, got "lots"`},
		{"no registries", func(a *BaselineArgs) { a.Registries = nil }, "registries: name the registries"},
		{"default limit in an application namespace", func(a *BaselineArgs) { a.Namespaces[2].Limits.DefaultLimitMemory = "1Gi" }, "namespaces[2] (mita).limits.defaultLimitMemory: application containers set their own memory limit"},
		{"flow to an unknown namespace", func(a *BaselineArgs) { a.Flows = []Flow{{From: "mita", To: "tracing", Ports: []int{4317}}} }, `flows[0].to: "tracing" is not a namespace of the baseline`},
		{"flow without ports", func(a *BaselineArgs) { a.Flows = []Flow{{From: Applications, To: "monitoring"}} }, "flows[0].ports: name the ports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewBaseline(ctx, "baseline", args)
				return err
			}, tt.want)
		})
	}
}

func TestRBAC(t *testing.T) {
	p := planBaseline(t, nil)
	// Developers read their namespace only, through the built-in view role.
	devs, ok := p.Named("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "baseline-mita-developers")
	require.True(t, ok)
	assert.Equal(t, "mita", plantest.Input(devs, "metadata", "namespace"))
	assert.Equal(t, map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}, plantest.Input(devs, "roleRef"))
	assert.Equal(t, []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "platform:developers:mita"}}, plantest.Input(devs, "subjects"))
	for _, r := range p.Resources {
		if r.Type == "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding" {
			assert.Equal(t, "mita", plantest.Input(r, "metadata", "namespace"), "only namespaces with developers bind them")
		}
	}

	// Auditors read everything but Secrets, and change nothing.
	role, ok := p.Named("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "baseline-auditor")
	require.True(t, ok)
	rules := plantest.Input(role, "rules").([]any)
	require.Len(t, rules, len(AuditorRules))
	sawRBAC := false
	for _, r := range rules {
		rule := r.(map[string]any)
		assert.Equal(t, []any{"get", "list", "watch"}, rule["verbs"])
		for _, res := range rule["resources"].([]any) {
			assert.NotContains(t, []any{"secrets", "pods/exec", "pods/attach", "pods/portforward"}, res)
			if res == "clusterrolebindings" {
				sawRBAC = true
			}
		}
		if slices.Contains(rule["apiGroups"].([]any), any("")) {
			assert.NotContains(t, rule["resources"], "*", "a wildcard on the core group would include Secrets")
		}
	}
	assert.True(t, sawRBAC, "auditors review RBAC")
	binding, ok := p.Named("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "baseline-auditors")
	require.True(t, ok)
	assert.Equal(t, "platform:auditor", plantest.Input(binding, "roleRef", "name"))
	assert.Equal(t, []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": AuditorsGroup}}, plantest.Input(binding, "subjects"))

	// No namespace's default service account mounts a token.
	for _, ns := range []string{"monitoring", "security", "mita"} {
		sa, ok := p.Named("kubernetes:core/v1:ServiceAccountPatch", "baseline-"+ns+"-default-sa")
		require.True(t, ok, ns)
		assert.Equal(t, "default", plantest.Input(sa, "metadata", "name"))
		assert.Equal(t, ns, plantest.Input(sa, "metadata", "namespace"))
		assert.Equal(t, false, plantest.Input(sa, "automountServiceAccountToken"))
	}
}
