package addons

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/baseline"
	"platform/components/cluster"
	"platform/internal/policydoc"
)

// Addons are the cluster's add-ons.
type Addons struct {
	pulumi.ResourceState

	// Releases are the Helm releases by add-on name.
	Releases map[string]*helmv3.Release
}

// The API's ingress class, the key prefix of its load balancer's access
// logs (the access-log bucket admits Elastic Load Balancing there), and
// the secret store the workloads use.
const (
	APIIngressClass = "alb-api"
	AccessLogPrefix = "alb/api"
	SecretStore     = "aws-secrets-manager"
)

// NewAddons installs every add-on: its Pod Identity role and association
// on the AWS provider (aws), its release on the cluster's Kubernetes
// provider (k8s).
func NewAddons(ctx *pulumi.Context, name string, args *AddonsArgs, aws, k8s pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*Addons, error) {
	if args == nil {
		args = &AddonsArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("addons %s: %w", name, err)
	}
	a := *args
	c := &Addons{Releases: map[string]*helmv3.Release{}}
	if err := ctx.RegisterComponentResourceV2("platform:addons:Addons", name, nil, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	fail := func(err error) (*Addons, error) { return nil, fmt.Errorf("addons %s: %w", name, err) }
	refs := map[string]pulumi.StringInput{
		"clusterName": a.ClusterName, "vpcId": a.VpcID, "certificateArn": a.CertificateArn, "webAclArn": a.WebAclArn,
		"accessLogBucket": a.AccessLogBucket, "zoneId": a.ZoneID, "securityTopicArn": a.SecurityTopicArn,
	}
	for _, ad := range a.addons() {
		var after []pulumi.Resource
		if ad.ServiceAccount != "" {
			assoc, err := podIdentity(ctx, name+"-"+ad.Name, a, ad, aws, parent)
			if err != nil {
				return fail(err)
			}
			after = append(after, assoc)
		}
		values, err := ValuesMap(Values(a, ad.Name), refs)
		if err != nil {
			return fail(err)
		}
		chart := a.Charts[ad.Name]
		release, err := NewRelease(ctx, name+"-"+ad.Name, Release{
			Name: ad.Name, Chart: ad.Name, Namespace: ad.Namespace, Pinned: chart, Values: values, TimeoutSeconds: 600,
		}, parent, k8s, pulumi.DependsOn(append(after, a.DependsOn...)))
		if err != nil {
			return fail(err)
		}
		c.Releases[ad.Name] = release
	}
	if falco, ok := c.Releases[Falco]; ok {
		// The sidekick's chart has no PodDisruptionBudget of its own.
		if _, err := policyv1.NewPodDisruptionBudget(ctx, name+"-falcosidekick", &policyv1.PodDisruptionBudgetArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("falcosidekick"), Namespace: pulumi.String("security")},
			Spec: &policyv1.PodDisruptionBudgetSpecArgs{
				MinAvailable: pulumi.Int(1),
				Selector:     &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(SidekickLabels)},
			},
		}, parent, k8s, pulumi.DependsOn([]pulumi.Resource{falco})); err != nil {
			return fail(err)
		}
	}
	if es, ok := c.Releases[ExternalSecrets]; ok {
		if err := secretStore(ctx, name, a, es, parent, k8s); err != nil {
			return fail(err)
		}
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{})
}

// podIdentity creates the add-on's role with its policy and binds it to
// the add-on's one service account.
func podIdentity(ctx *pulumi.Context, name string, a AddonsArgs, ad Addon, aws, parent pulumi.ResourceOption) (pulumi.Resource, error) {
	replica := a.ReplicaSecretsKeyArn
	if replica == nil {
		replica = a.SecretsKeyArn
	}
	doc := policydoc.FromOutputs(func(v []string) policydoc.Document {
		d, _ := policy(a.Namer, ad.Name, ids{cluster: v[0], vpc: v[1], zone: v[2], secretsKeys: slices.Compact([]string{v[3], v[7]}), topic: v[4], topicKey: v[5], webACL: v[6]})
		return d
	}, a.ClusterName, a.VpcID, a.ZoneID, a.SecretsKeyArn, a.SecurityTopicArn, a.TopicKeyArn, a.WebAclArn, replica)
	role, err := cluster.NewWorkloadRole(ctx, name, &cluster.WorkloadRoleArgs{
		Namer: a.Namer, Namespace: ad.Namespace, ServiceAccount: ad.ServiceAccount,
		Policy: doc, PermissionBoundaryArn: a.PermissionBoundaryArn,
	}, parent, aws)
	if err != nil {
		return nil, err
	}
	return eks.NewPodIdentityAssociation(ctx, name, &eks.PodIdentityAssociationArgs{
		ClusterName: a.ClusterName, Namespace: pulumi.String(ad.Namespace), ServiceAccount: pulumi.String(ad.ServiceAccount),
		RoleArn: role.Arn,
	}, parent, aws)
}

// secretStore is the one ClusterSecretStore: Secrets Manager in the
// stack's region with the operator's Pod Identity credentials, usable
// from application namespaces, monitoring and delivery only.
func secretStore(ctx *pulumi.Context, name string, a AddonsArgs, release *helmv3.Release, parent, k8s pulumi.ResourceOption) error {
	_, err := apiextensions.NewCustomResource(ctx, name+"-secret-store", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("external-secrets.io/v1"),
		Kind:       pulumi.String("ClusterSecretStore"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(SecretStore)},
		OtherFields: map[string]any{"spec": map[string]any{
			"provider": map[string]any{"aws": map[string]any{"service": "SecretsManager", "region": a.Namer.Region}},
			"conditions": []any{
				map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{baseline.TierLabel: "application"}}},
				// Grafana's admin and PagerDuty's keys; Argo CD's
				// single sign-on and repository credentials.
				map[string]any{"namespaces": []any{"monitoring", "delivery"}},
			},
		}},
	}, parent, k8s, pulumi.DependsOn([]pulumi.Resource{release}))
	return err
}
