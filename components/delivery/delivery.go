package delivery

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/addons"
	"platform/components/baseline"
	"platform/components/monitoring"
)

// What the Applications and the repository credentials are made of.
const (
	// InClusterServer is the only destination cluster: Argo CD's own.
	InClusterServer = "https://kubernetes.default.svc"
	// ResourcesFinalizer makes deleting an Application delete what it
	// released, in the foreground, instead of orphaning it.
	ResourcesFinalizer = "resources-finalizer.argocd.argoproj.io"
	// RepoCredentialsSecret is the Secret (labelled as a repository)
	// Argo CD clones RepoURL with.
	RepoCredentialsSecret = "platform-repository"
	// SecretStore is the ClusterSecretStore on Secrets Manager.
	SecretStore = addons.SecretStore
	// PrometheusPort is where Argo Rollouts' analyses and KEDA's
	// Prometheus triggers query kube-prometheus-stack's Prometheus.
	PrometheusPort = 9090
	// PrometheusURL is that Prometheus, for AnalysisTemplates and
	// ScaledObjects.
	PrometheusURL = "http://kube-prometheus-stack-prometheus." + monitoring.Namespace + ".svc.cluster.local:9090"
)

// GitHubAppProperties are the JSON properties of the RepoSecretName
// secret, copied under the same keys into RepoCredentialsSecret: the
// GitHub App's id, its installation's id and its PEM private key.
var GitHubAppProperties = []string{"githubAppID", "githubAppInstallationID", "githubAppPrivateKey"}

// GroupKind is a Kubernetes kind ("" is the core group).
type GroupKind struct{ Group, Kind string }

// PlatformKinds are the namespaced kinds Pulumi owns in an application
// namespace, which no Application may create, change or prune: the
// baseline's guardrails (ResourceQuota, LimitRange, NetworkPolicy, Role,
// RoleBinding) and the service contract's identity, secrets and traffic
// (ServiceAccount, ExternalSecret, Ingress). Secret and SecretStore too:
// secrets come from Secrets Manager through the platform's
// ClusterSecretStore, never from Git.
var PlatformKinds = []GroupKind{
	{"", "ResourceQuota"}, {"", "LimitRange"}, {"networking.k8s.io", "NetworkPolicy"},
	{"rbac.authorization.k8s.io", "Role"}, {"rbac.authorization.k8s.io", "RoleBinding"},
	{"", "ServiceAccount"}, {"", "Secret"}, {"networking.k8s.io", "Ingress"},
	{"external-secrets.io", "ExternalSecret"}, {"external-secrets.io", "SecretStore"},
}

// Part is one of delivery's workloads and what it needs through its
// namespace's network policy, besides what every namespace gets (DNS,
// the API server and VPC endpoints on 443, scrapes from monitoring).
type Part struct {
	Name, Release string
	// WebhookPorts the API server calls on its pods.
	WebhookPorts []int
	// InternetHTTPS: egress to 443 outside the VPC.
	InternetHTTPS bool
	// Prometheus: egress to Prometheus (monitoring, PrometheusPort).
	Prometheus bool
	// IntraNamespace: it talks to other parts in the namespace.
	IntraNamespace bool
	// Why, for the reader of the policy.
	Why string
}

// Catalog is every part of delivery and its network needs. None calls an
// AWS API.
var Catalog = []Part{
	{Name: "argocd-server", Release: ArgoCDRelease, InternetHTTPS: true, IntraNamespace: true,
		Why: "the OIDC issuer's discovery, keys and token endpoints; the repo server and Redis (HAProxy)"},
	{Name: "argocd-repo-server", Release: ArgoCDRelease, InternetHTTPS: true, IntraNamespace: true,
		Why: "clones github.com and gets GitHub App tokens from api.github.com; Redis"},
	{Name: "argocd-application-controller", Release: ArgoCDRelease, IntraNamespace: true,
		Why: "the repo server and Redis"},
	{Name: "argocd-applicationset-controller", Release: ArgoCDRelease, IntraNamespace: true,
		Why: "the repo server"},
	{Name: "argocd-redis-ha", Release: ArgoCDRelease, IntraNamespace: true,
		Why: "Redis replication and Sentinel (6379, 26379), HAProxy in front"},
	{Name: "argo-rollouts", Release: RolloutsRelease, Prometheus: true,
		Why: "canary analyses query Prometheus"},
	{Name: KEDAOperator, Release: KEDARelease, Prometheus: true, IntraNamespace: true,
		Why: "Prometheus triggers; serves the metrics server over gRPC (9666)"},
	{Name: KEDAMetricsServer, Release: KEDARelease, WebhookPorts: []int{6443}, IntraNamespace: true,
		Why: "serves external.metrics.k8s.io to the API server on 6443; asks the operator"},
	{Name: KEDAWebhooksName, Release: KEDARelease, WebhookPorts: []int{9443},
		Why: "validates ScaledObjects for the API server on 9443"},
}

// NetworkNeeds is what delivery's namespace needs from the baseline.
type NetworkNeeds struct {
	WebhookPorts []int
	// InternetHTTPS: egress to 0.0.0.0/0 on 443 (GitHub, the identity
	// provider). AWSAPIs is false: nothing here calls AWS.
	InternetHTTPS, IntraNamespace, AWSAPIs bool
	// Flows leave the namespace for other namespaces' pods.
	Flows []baseline.Flow
}

// Needs sums the Catalog for delivery's namespace.
func Needs(namespace string) NetworkNeeds {
	var n NetworkNeeds
	prometheus := false
	for _, p := range Catalog {
		n.WebhookPorts = append(n.WebhookPorts, p.WebhookPorts...)
		n.InternetHTTPS = n.InternetHTTPS || p.InternetHTTPS
		n.IntraNamespace = n.IntraNamespace || p.IntraNamespace
		prometheus = prometheus || p.Prometheus
	}
	slices.Sort(n.WebhookPorts)
	n.WebhookPorts = slices.Compact(n.WebhookPorts)
	if prometheus {
		n.Flows = append(n.Flows, baseline.Flow{From: namespace, To: monitoring.Namespace, Ports: []int{PrometheusPort}})
	}
	return n
}

// Delivery is the cluster's GitOps layer.
type Delivery struct {
	pulumi.ResourceState

	// Releases by release name (argocd, argo-rollouts, keda).
	Releases map[string]*helmv3.Release
	// Projects and Applications by team and service name.
	Projects     map[string]*apiextensions.CustomResource
	Applications map[string]*apiextensions.CustomResource
}

// NewDelivery installs Argo CD, Argo Rollouts and KEDA, Argo CD's
// repository and SSO credentials, the teams' projects and the services'
// Applications. Pass the cluster's Kubernetes provider in opts.
func NewDelivery(ctx *pulumi.Context, name string, args *DeliveryArgs, opts ...pulumi.ResourceOption) (*Delivery, error) {
	if args == nil {
		args = &DeliveryArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("delivery %s: %w", name, err)
	}
	a := args.withDefaults()
	d := &Delivery{
		Releases: map[string]*helmv3.Release{}, Projects: map[string]*apiextensions.CustomResource{},
		Applications: map[string]*apiextensions.CustomResource{},
	}
	if err := ctx.RegisterComponentResourceV2("platform:delivery:Delivery", name, nil, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	fail := func(err error) (*Delivery, error) { return nil, fmt.Errorf("delivery %s: %w", name, err) }
	after := func(rs ...pulumi.Resource) pulumi.ResourceOption {
		return pulumi.DependsOn(append(slices.Clone(a.DependsOn), rs...))
	}

	// The credentials first: Argo CD starts with them in place.
	oidc, err := externalSecret(ctx, name+"-oidc", a, OIDCSecret,
		[]any{remote(OIDCSecretKey, a.OIDC.ClientSecretName, OIDCSecretKey)},
		map[string]any{partOfLabel: "argocd"}, nil, parent, after())
	if err != nil {
		return fail(err)
	}
	var data []any
	for _, p := range GitHubAppProperties {
		data = append(data, remote(p, a.RepoSecretName, p))
	}
	repo, err := externalSecret(ctx, name+"-repository", a, RepoCredentialsSecret, data,
		map[string]any{"argocd.argoproj.io/secret-type": "repository", partOfLabel: "argocd"},
		// Not secret: what Argo CD matches the repository by.
		map[string]any{"type": "git", "url": a.RepoURL}, parent, after())
	if err != nil {
		return fail(err)
	}

	type release struct {
		release, chart string
		values         any
		after          []pulumi.Resource
		timeout        int
	}
	for _, r := range []release{
		// Redis HA joins its three servers one by one.
		{ArgoCDRelease, ArgoCDChart, ArgoCDValuesFor(a), []pulumi.Resource{oidc, repo}, 900},
		{RolloutsRelease, RolloutsChart, RolloutsValuesFor(), nil, 600},
		{KEDARelease, KEDAChart, KEDAValuesFor(), nil, 600},
	} {
		values, err := addons.ValuesMap(r.values, nil)
		if err != nil {
			return fail(err)
		}
		chart := a.Charts[r.chart]
		rel, err := addons.NewRelease(ctx, name+"-"+r.release, addons.Release{
			Name: r.release, Chart: r.chart, Namespace: a.Namespace, Pinned: chart, Values: values, TimeoutSeconds: r.timeout,
		}, parent, after(r.after...))
		if err != nil {
			return fail(err)
		}
		d.Releases[r.release] = rel
	}
	argocd := d.Releases[ArgoCDRelease]

	if err := lockDefaultProject(ctx, name, a, parent, pulumi.DependsOn([]pulumi.Resource{argocd})); err != nil {
		return fail(err)
	}
	for _, t := range a.Teams {
		p, err := project(ctx, name+"-project-"+t.Name, a, t, parent, pulumi.DependsOn([]pulumi.Resource{argocd}))
		if err != nil {
			return fail(err)
		}
		d.Projects[t.Name] = p
	}
	for _, s := range a.Services {
		// The Rollout and ScaledObject CRDs exist before the first sync.
		app, err := application(ctx, name+"-app-"+s.Name, a, s, parent, pulumi.DependsOn([]pulumi.Resource{
			argocd, d.Releases[RolloutsRelease], d.Releases[KEDARelease], d.Projects[s.Team], repo,
		}))
		if err != nil {
			return fail(err)
		}
		d.Applications[s.Name] = app
	}
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{})
}

// remote copies the JSON property of a Secrets Manager secret to a key of
// the target Secret.
func remote(secretKey, key, property string) map[string]any {
	return map[string]any{"secretKey": secretKey, "remoteRef": map[string]any{"key": key, "property": property}}
}

// externalSecret makes the Secret target in delivery's namespace from a
// Secrets Manager secret, with labels and, merged in, the plain (not
// secret) templateData: the values never pass through this program.
func externalSecret(ctx *pulumi.Context, name string, a DeliveryArgs, target string, data []any, labels, templateData map[string]any, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	template := map[string]any{
		"engineVersion": "v2",
		// Merge: the data keys are kept alongside the template's.
		"mergePolicy": "Merge",
		"metadata":    map[string]any{"labels": labels},
	}
	if templateData != nil {
		template["data"] = templateData
	}
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("external-secrets.io/v1"),
		Kind:       pulumi.String("ExternalSecret"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(target), Namespace: pulumi.String(a.Namespace)},
		OtherFields: map[string]any{"spec": map[string]any{
			"refreshInterval": "1h",
			"secretStoreRef":  map[string]any{"kind": "ClusterSecretStore", "name": SecretStore},
			"target":          map[string]any{"name": target, "creationPolicy": "Owner", "template": template},
			"data":            data,
		}},
	}, opts...)
}

// kinds lists GroupKinds as an AppProject does.
func kinds(gks []GroupKind) []any {
	out := make([]any, len(gks))
	for i, gk := range gks {
		out[i] = map[string]any{"group": gk.Group, "kind": gk.Kind}
	}
	return out
}

// ProjectSpec is a team's AppProject: this repository only, the team's
// namespaces on this cluster only, no cluster-scoped kind, none of the
// platform's kinds, no project roles (people get access through
// argocd-rbac-cm), and a warning for anything in its namespaces no
// Application owns.
func ProjectSpec(a DeliveryArgs, t Team) map[string]any {
	a = a.withDefaults()
	var destinations []any
	for _, ns := range t.Namespaces {
		destinations = append(destinations, map[string]any{"server": InClusterServer, "namespace": ns})
	}
	return map[string]any{
		"description":                "Team " + t.Name + ": " + a.RepoURL + " to its own namespaces",
		"sourceRepos":                []any{a.RepoURL},
		"destinations":               destinations,
		"clusterResourceWhitelist":   []any{},
		"namespaceResourceBlacklist": kinds(PlatformKinds),
		"orphanedResources": map[string]any{
			"warn": true,
			// What the platform owns there is not an orphan.
			"ignore": append(kinds(PlatformKinds), map[string]any{"group": "", "kind": "ConfigMap", "name": "kube-root-ca.crt"}),
		},
	}
}

func project(ctx *pulumi.Context, name string, a DeliveryArgs, t Team, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String("argoproj.io/v1alpha1"),
		Kind:        pulumi.String("AppProject"),
		Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(t.Name), Namespace: pulumi.String(a.Namespace)},
		OtherFields: map[string]any{"spec": ProjectSpec(a, t)},
	}, opts...)
}

// lockDefaultProject empties the default project, which Argo CD's server
// creates at startup allowing every repository, destination and kind:
// an Application in it can deploy nothing. Being the server's, it is
// patched (forcing the fields the server set), not created.
func lockDefaultProject(ctx *pulumi.Context, name string, a DeliveryArgs, opts ...pulumi.ResourceOption) error {
	_, err := apiextensions.NewCustomResourcePatch(ctx, name+"-default-project", &apiextensions.CustomResourcePatchArgs{
		ApiVersion: pulumi.String("argoproj.io/v1alpha1"),
		Kind:       pulumi.String("AppProject"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String("default"), Namespace: pulumi.String(a.Namespace),
			Annotations: pulumi.StringMap{"pulumi.com/patchForce": pulumi.String("true")},
		},
		OtherFields: map[string]any{"spec": map[string]any{
			"description":                "Locked: every Application belongs to its team's project",
			"sourceRepos":                []any{},
			"destinations":               []any{},
			"sourceNamespaces":           []any{},
			"clusterResourceWhitelist":   []any{},
			"namespaceResourceBlacklist": []any{map[string]any{"group": "*", "kind": "*"}},
		}},
	}, opts...)
	return err
}

// ApplicationSpec releases a service from Git: its team's project, its
// overlay for the stack, its namespace; synced automatically (pruning what
// Git no longer has, reverting what was changed by hand), with retries.
//
// ignoreDifferences: a ScaledObject's HPA owns the Rollout's replica
// count (through the scale subresource), so Argo CD neither reports it as
// drift nor, with RespectIgnoreDifferences, resets it to Git's on a sync.
// A ScaledObject needs none: KEDA never writes its spec.
func ApplicationSpec(a DeliveryArgs, s Service) map[string]any {
	a = a.withDefaults()
	return map[string]any{
		"project": s.Team,
		"source": map[string]any{
			"repoURL": a.RepoURL, "targetRevision": a.Revision, "path": "deploy/" + s.Name + "/overlays/" + a.Stack,
		},
		"destination": map[string]any{"server": InClusterServer, "namespace": s.Namespace},
		"syncPolicy": map[string]any{
			// allowEmpty false: a path that renders nothing never prunes
			// the whole service.
			"automated": map[string]any{"prune": true, "selfHeal": true, "allowEmpty": false},
			"syncOptions": []any{
				"ServerSideApply=true", "PrunePropagationPolicy=foreground", "CreateNamespace=false", "RespectIgnoreDifferences=true",
			},
			"retry": map[string]any{
				"limit":   5,
				"backoff": map[string]any{"duration": "10s", "factor": 2, "maxDuration": "5m"},
			},
		},
		"ignoreDifferences": []any{
			map[string]any{"group": "argoproj.io", "kind": "Rollout", "jsonPointers": []any{"/spec/replicas"}},
		},
		"revisionHistoryLimit": 10,
	}
}

func application(ctx *pulumi.Context, name string, a DeliveryArgs, s Service, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("argoproj.io/v1alpha1"),
		Kind:       pulumi.String("Application"),
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(s.Name), Namespace: pulumi.String(a.Namespace),
			Labels:     pulumi.StringMap{"platform/team": pulumi.String(s.Team)},
			Finalizers: pulumi.StringArray{pulumi.String(ResourcesFinalizer)},
		},
		OtherFields: map[string]any{"spec": ApplicationSpec(a, s)},
	}, opts...)
}
