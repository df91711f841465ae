package addons

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
	"platform/internal/policydoc"
)

const (
	certArn   = "arn:aws:acm:us-east-1:111122223333:certificate/api"
	aclArn    = "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/api/1"
	topicArn  = "arn:aws:sns:us-east-1:111122223333:security"
	secretKey = "arn:aws:kms:us-east-1:111122223333:key/secrets"
	logsKey   = "arn:aws:kms:us-east-1:111122223333:key/logs"
	// replicaKey stands for the primary's secrets replica key.
	replicaKey = "arn:aws:kms:us-east-1:111122223333:key/secrets-replica"
)

func charts() map[string]Chart {
	return map[string]Chart{
		LoadBalancerController: {"https://aws.github.io/eks-charts", "3.5.0"},
		ExternalDNS:            {"https://kubernetes-sigs.github.io/external-dns/", "1.21.1"},
		ExternalSecrets:        {"https://charts.external-secrets.io", "2.9.0"},
		ClusterAutoscaler:      {"https://kubernetes.github.io/autoscaler", "9.59.0"},
		MetricsServer:          {"https://kubernetes-sigs.github.io/metrics-server/", "3.13.1"},
		Falco:                  {"https://falcosecurity.github.io/charts", "9.1.0"},
	}
}

func baseArgs() *AddonsArgs {
	return &AddonsArgs{
		Namer: plantest.Namer("us-east-1"), ClusterName: pulumi.String("platform-prod-use1"), VpcID: pulumi.String("vpc-0abc"),
		Charts: charts(), PermissionBoundaryArn: pulumi.String("arn:aws:iam::111122223333:policy/boundary"),
		CertificateArn: pulumi.String(certArn), WebAclArn: pulumi.String(aclArn), AccessLogBucket: pulumi.String("access-logs"),
		SSLPolicy: DefaultSSLPolicy, ZoneID: pulumi.String("Z123"), ZoneName: "example-fintech.com",
		SecretsKeyArn: pulumi.String(secretKey), SecurityTopicArn: pulumi.String(topicArn), TopicKeyArn: pulumi.String(logsKey),
		SpotNodeGroup: "spot",
	}
}

func planAddons(t *testing.T, mutate func(*AddonsArgs)) *plan.Plan {
	t.Helper()
	args := baseArgs()
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithProviders(t, "us-east-1", func(ctx *pulumi.Context, aws, k8s pulumi.ResourceOption) error {
		_, err := NewAddons(ctx, "addons", args, aws, k8s)
		return err
	})
}

func release(t *testing.T, p *plan.Plan, addon string) plan.Resource {
	t.Helper()
	r, ok := p.Named("kubernetes:helm.sh/v3:Release", "addons-"+addon)
	require.True(t, ok, addon)
	return r
}

func values(t *testing.T, p *plan.Plan, addon string, path ...any) any {
	t.Helper()
	return plantest.Input(release(t, p, addon), append([]any{"values"}, path...)...)
}

func TestAddonsChildren(t *testing.T) {
	p := planAddons(t, nil)
	assert.Equal(t, map[string]int{
		"kubernetes:helm.sh/v3:Release":                         6,
		"platform:cluster:WorkloadRole":                         5,
		"aws:eks/podIdentityAssociation:PodIdentityAssociation": 5,
		"kubernetes:external-secrets.io/v1:ClusterSecretStore":  1,
		"kubernetes:policy/v1:PodDisruptionBudget":              1,
	}, p.ChildTypes("platform:addons:Addons", "addons"))
	plantest.AssertProviders(t, p, "us-east-1")
}

func TestReleasesPinned(t *testing.T) {
	p := planAddons(t, nil)
	for _, ad := range Catalog {
		r := release(t, p, ad.Name)
		assert.Equal(t, charts()[ad.Name].Version, r.Inputs["version"], ad.Name)
		assert.Equal(t, charts()[ad.Name].Repository, plantest.Input(r, "repositoryOpts", "repo"), ad.Name)
		assert.Equal(t, ad.Name, r.Inputs["name"], "a fixed release name keeps the charts' labels predictable")
		assert.Equal(t, ad.Namespace, r.Inputs["namespace"], ad.Name)
		assert.Equal(t, false, r.Inputs["createNamespace"], "the baseline owns the namespace")
		assert.Equal(t, true, r.Inputs["atomic"], "a failed upgrade rolls back")
	}
}

func TestPodIdentity(t *testing.T) {
	p := planAddons(t, nil)
	bound := map[string]string{}
	for _, r := range p.Resources {
		if r.Type == "aws:eks/podIdentityAssociation:PodIdentityAssociation" {
			bound[r.Inputs["namespace"].(string)+"/"+r.Inputs["serviceAccount"].(string)] = r.Name
		}
	}
	assert.Equal(t, map[string]string{
		"ingress/aws-load-balancer-controller": "addons-aws-load-balancer-controller",
		"ingress/external-dns":                 "addons-external-dns",
		"external-secrets/external-secrets":    "addons-external-secrets",
		"autoscaling/cluster-autoscaler":       "addons-cluster-autoscaler",
		"security/falco-falcosidekick":         "addons-falco",
	}, bound, "one role per add-on, bound to exactly its service account")
	// The charts create the service accounts the associations name.
	assert.Equal(t, "aws-load-balancer-controller", values(t, p, LoadBalancerController, "serviceAccount", "name"))
	assert.Equal(t, "external-dns", values(t, p, ExternalDNS, "serviceAccount", "name"))
	assert.Equal(t, "external-secrets", values(t, p, ExternalSecrets, "serviceAccount", "name"))
	assert.Equal(t, "cluster-autoscaler", values(t, p, ClusterAutoscaler, "rbac", "serviceAccount", "name"))
}

// rolePolicy is the inline policy of an add-on's role.
func rolePolicy(t *testing.T, p *plan.Plan, addon string) policydoc.Document {
	t.Helper()
	r, ok := p.Named("aws:iam/rolePolicy:RolePolicy", "addons-"+addon)
	require.True(t, ok, addon)
	var d policydoc.Document
	require.NoError(t, json.Unmarshal([]byte(r.Inputs["policy"].(string)), &d))
	return d
}

func TestLeastPrivilege(t *testing.T) {
	p := planAddons(t, nil)
	dns := rolePolicy(t, p, ExternalDNS)
	assert.Equal(t, "route53:ChangeResourceRecordSets", dns.Statement[0].Action)
	assert.Equal(t, "arn:aws:route53:::hostedzone/Z123", dns.Statement[0].Resource, "only the platform's zone")
	assert.Equal(t, []any{"CREATE", "UPSERT"}, dns.Statement[0].Condition["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsActions"], "upsert-only: never DELETE")

	eso := rolePolicy(t, p, ExternalSecrets)
	assert.Equal(t, "arn:aws:secretsmanager:us-east-1:111122223333:secret:platform/prod/*", eso.Statement[0].Resource, "only the stack's secrets")
	assert.Equal(t, []any{secretKey}, eso.Statement[1].Resource)
	assert.Equal(t, "secretsmanager.us-east-1.amazonaws.com", eso.Statement[1].Condition["StringEquals"]["kms:ViaService"])

	// In the DR region, the replicas' key too: secrets still sync after a
	// failover.
	dr := planAddons(t, func(a *AddonsArgs) { a.ReplicaSecretsKeyArn = pulumi.String(replicaKey) })
	assert.Equal(t, []any{secretKey, replicaKey}, rolePolicy(t, dr, ExternalSecrets).Statement[1].Resource)

	ca := rolePolicy(t, p, ClusterAutoscaler)
	scale := ca.Statement[2]
	assert.Equal(t, []any{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}, scale.Action)
	assert.Equal(t, "owned", scale.Condition["StringEquals"]["aws:ResourceTag/k8s.io/cluster-autoscaler/platform-prod-use1"], "only this cluster's node groups")

	falco := rolePolicy(t, p, Falco)
	assert.Equal(t, "sns:Publish", falco.Statement[0].Action)
	assert.Equal(t, topicArn, falco.Statement[0].Resource, "only the security topic")

	lbc := rolePolicy(t, p, LoadBalancerController)
	for _, s := range lbc.Statement {
		actions, _ := s.Action.([]any)
		if s.Action == "iam:CreateServiceLinkedRole" {
			assert.Equal(t, "elasticloadbalancing.amazonaws.com", s.Condition["StringEquals"]["iam:AWSServiceName"])
		}
		for _, a := range actions {
			name := a.(string)
			mutating := !strings.Contains(name, ":Describe") && !strings.Contains(name, ":Get") && !strings.Contains(name, ":List")
			if mutating && s.Resource == "*" {
				t.Errorf("%s may change any resource (statement %s)", name, s.Sid)
			}
		}
		if s.Sid == "WebACL" {
			assert.Contains(t, s.Resource, aclArn, "only the edge's web ACL")
		}
	}
	// Metrics-server calls no AWS API and has no role.
	_, ok := p.Named("aws:iam/rolePolicy:RolePolicy", "addons-"+MetricsServer)
	assert.False(t, ok)
}

func TestLoadBalancerController(t *testing.T) {
	p := planAddons(t, nil)
	v := func(path ...any) any { return values(t, p, LoadBalancerController, path...) }
	assert.Equal(t, "platform-prod-use1", v("clusterName"))
	assert.Equal(t, "vpc-0abc", v("vpcId"))
	assert.Equal(t, 2.0, v("replicaCount"))
	assert.Equal(t, map[string]any{"maxUnavailable": 1.0}, v("podDisruptionBudget"))
	assert.Len(t, v("topologySpreadConstraints"), 2)
	assert.Equal(t, false, v("enableServiceMutatorWebhook"), "no webhook gates every Service in the cluster")
	spec := func(path ...any) any { return v(append([]any{"ingressClassParams", "spec"}, path...)...) }
	assert.Equal(t, "internet-facing", spec("scheme"))
	assert.Equal(t, []any{certArn}, spec("certificateArn"), "HTTPS with the edge's certificate")
	assert.Equal(t, "ELBSecurityPolicy-TLS13-1-2-2021-06", spec("sslPolicy"), "TLS 1.2 at least")
	assert.Equal(t, "443", spec("sslRedirectPort"), "HTTP redirects to HTTPS")
	assert.Equal(t, aclArn, spec("wafv2AclArn"), "the web ACL is attached")
	assert.Equal(t, map[string]any{"matchLabels": map[string]any{"platform/tier": "application"}}, spec("namespaceSelector"))
	attrs := map[string]any{}
	for _, a := range spec("loadBalancerAttributes").([]any) {
		attrs[a.(map[string]any)["key"].(string)] = a.(map[string]any)["value"]
	}
	assert.Equal(t, map[string]any{
		"deletion_protection.enabled":                     "true",
		"routing.http.drop_invalid_header_fields.enabled": "true",
		"routing.http.desync_mitigation_mode":             "strictest",
		"access_logs.s3.enabled":                          "true",
		"access_logs.s3.bucket":                           "access-logs",
		"access_logs.s3.prefix":                           "alb/api",
	}, attrs)
	assert.Equal(t, map[string]any{"limits": map[string]any{"memory": "512Mi"}, "requests": map[string]any{"cpu": "100m", "memory": "256Mi"}}, v("resources"))
}

func TestOtherReleases(t *testing.T) {
	p := planAddons(t, nil)
	// external-dns: only the platform's public zone, never deleting.
	assert.Equal(t, "upsert-only", values(t, p, ExternalDNS, "policy"))
	assert.Equal(t, []any{"example-fintech.com"}, values(t, p, ExternalDNS, "domainFilters"))
	assert.Equal(t, map[string]any{"zone-id-filter": []any{"Z123"}, "aws-zone-type": "public"}, values(t, p, ExternalDNS, "extraArgs"))
	assert.Equal(t, "txt", values(t, p, ExternalDNS, "registry"))
	assert.Equal(t, "platform-prod-use1", values(t, p, ExternalDNS, "txtOwnerId"), "TXT records say which cluster owns a record")

	// External Secrets: HA with leader election, its webhook too.
	assert.Equal(t, 2.0, values(t, p, ExternalSecrets, "replicaCount"))
	assert.Equal(t, true, values(t, p, ExternalSecrets, "leaderElect"))
	assert.Equal(t, map[string]any{"enabled": true, "minAvailable": 1.0}, values(t, p, ExternalSecrets, "podDisruptionBudget"))
	assert.Equal(t, 2.0, values(t, p, ExternalSecrets, "webhook", "replicaCount"))
	assert.Equal(t, map[string]any{"enabled": true, "minAvailable": 1.0}, values(t, p, ExternalSecrets, "webhook", "podDisruptionBudget"))
	store, ok := p.Named("kubernetes:external-secrets.io/v1:ClusterSecretStore", "addons-secret-store")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"service": "SecretsManager", "region": "us-east-1"}, plantest.Input(store, "spec", "provider", "aws"))
	assert.Equal(t, []any{
		map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"platform/tier": "application"}}},
		map[string]any{"namespaces": []any{"monitoring", "delivery"}},
	}, plantest.Input(store, "spec", "conditions"), "only application namespaces and monitoring read secrets")

	// Cluster Autoscaler: spot first, similar groups balanced, scale-down on.
	args := values(t, p, ClusterAutoscaler, "extraArgs").(map[string]any)
	assert.Equal(t, "priority", args["expander"])
	assert.Equal(t, "true", args["balance-similar-node-groups"])
	assert.Equal(t, "true", args["scale-down-enabled"])
	assert.Equal(t, map[string]any{"50": []any{".*spot.*"}, "10": []any{".*"}}, values(t, p, ClusterAutoscaler, "expanderPriorities"))
	assert.Equal(t, "platform-prod-use1", values(t, p, ClusterAutoscaler, "autoDiscovery", "clusterName"))
	assert.Equal(t, 2.0, values(t, p, ClusterAutoscaler, "replicaCount"))
	assert.Equal(t, 65534.0, values(t, p, ClusterAutoscaler, "containerSecurityContext", "runAsUser"), "runs as nobody, whatever the image says")
	assert.Equal(t, true, values(t, p, ClusterAutoscaler, "containerSecurityContext", "runAsNonRoot"))

	// metrics-server: two replicas, a budget, spread.
	assert.Equal(t, 2.0, values(t, p, MetricsServer, "replicas"))
	assert.Equal(t, map[string]any{"enabled": true, "minAvailable": 1.0}, values(t, p, MetricsServer, "podDisruptionBudget"))

	// Falco: modern eBPF without privileged, JSON, no runtime downloads,
	// alerts to the security topic.
	assert.Equal(t, map[string]any{"kind": "modern_ebpf", "modernEbpf": map[string]any{"leastPrivileged": true}}, values(t, p, Falco, "driver"))
	assert.Equal(t, true, values(t, p, Falco, "falco", "json_output"))
	assert.Equal(t, false, values(t, p, Falco, "falcoctl", "artifact", "install", "enabled"))
	assert.Equal(t, false, values(t, p, Falco, "falcoctl", "artifact", "follow", "enabled"))
	assert.Equal(t, topicArn, values(t, p, Falco, "falcosidekick", "config", "aws", "sns", "topicarn"))
	assert.Equal(t, []any{map[string]any{"key": "platform/spot", "operator": "Exists", "effect": "NoSchedule"}}, values(t, p, Falco, "tolerations"), "on the spot nodes too")
	pdb, ok := p.Named("kubernetes:policy/v1:PodDisruptionBudget", "addons-falcosidekick")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"app.kubernetes.io/name": "falcosidekick", "app.kubernetes.io/instance": "falco"}, plantest.Input(pdb, "spec", "selector", "matchLabels"))

	// Every release's containers request CPU and memory and limit memory.
	for _, path := range [][]any{
		{LoadBalancerController, "resources"}, {ExternalDNS, "resources"}, {ExternalSecrets, "resources"},
		{ExternalSecrets, "webhook", "resources"}, {ExternalSecrets, "certController", "resources"},
		{ClusterAutoscaler, "resources"}, {MetricsServer, "resources"}, {Falco, "resources"}, {Falco, "falcosidekick", "resources"},
	} {
		r := values(t, p, path[0].(string), path[1:]...).(map[string]any)
		assert.Contains(t, r["requests"], "cpu", path)
		assert.Contains(t, r["requests"], "memory", path)
		assert.Contains(t, r["limits"], "memory", path)
	}
}

func TestInvalidAddonsArgs(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*AddonsArgs)
		want   string
	}{
		{"unpinned chart", func(a *AddonsArgs) { a.Charts[Falco] = Chart{"https://falcosecurity.github.io/charts", "^9.0.0"} },
			`charts.falco.version: must be an exact chart version such as 1.2.3, not a range, got "^9.0.0"`},
		{"missing chart", func(a *AddonsArgs) { delete(a.Charts, ExternalDNS) }, "charts.external-dns: pin the chart"},
		{"plain http repository", func(a *AddonsArgs) { a.Charts[MetricsServer] = Chart{"http://example.com/charts", "3.13.1"} },
			`charts.metrics-server.repository: must be an https chart repository, got "http://example.com/charts"`},
		{"add-on without a role", func(a *AddonsArgs) {
			a.Addons = append([]Addon(nil), Catalog...)
			a.Addons[1].ServiceAccount = ""
		}, "addons.external-secrets.serviceAccount: give the add-on a role"},
		{"weak TLS policy", func(a *AddonsArgs) { a.SSLPolicy = "ELBSecurityPolicy-2016-08" }, `sslPolicy: must be a TLS 1.3/1.2 policy`},
		{"no zone", func(a *AddonsArgs) { a.ZoneName = "" }, "zoneName: external-dns writes only to the platform's zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewAddons(ctx, "addons", args, nil, nil)
				return err
			}, tt.want)
		})
	}
}
