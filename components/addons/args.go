// Package addons installs the cluster's add-ons as pinned Helm releases:
// the AWS Load Balancer Controller (with the API's ingress class), external-dns,
// the External Secrets Operator (with a ClusterSecretStore on Secrets
// Manager), the Cluster Autoscaler, metrics-server and Falco. Each release's
// values are built from typed structs (values.go); each add-on that calls
// AWS gets its own Pod Identity role with a least-privilege policy
// (iam.go), bound to exactly its namespace and service account.
package addons

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
)

// The add-ons, by chart name.
const (
	LoadBalancerController = "aws-load-balancer-controller"
	ExternalDNS            = "external-dns"
	ExternalSecrets        = "external-secrets"
	ClusterAutoscaler      = "cluster-autoscaler"
	MetricsServer          = "metrics-server"
	Falco                  = "falco"
)

// Addon is what the platform knows about one add-on: where it runs, the
// service account its role is bound to, and what its namespace's network
// policy must let through.
type Addon struct {
	Name, Namespace string
	// ServiceAccount is the one its Pod Identity role is bound to; empty
	// when it calls no AWS API (NoAWS says why).
	ServiceAccount, NoAWS string
	// WebhookPorts the API server calls; AWSAPIs: AWS APIs without a VPC
	// endpoint; Kubelets: 10250 on the nodes; IntraNamespace: its pods
	// talk to each other.
	WebhookPorts                      []int
	AWSAPIs, Kubelets, IntraNamespace bool
}

// Catalog is every add-on the platform installs, in install order.
var Catalog = []Addon{
	{Name: MetricsServer, Namespace: "autoscaling", NoAWS: "it reads the kubelets' metrics only", WebhookPorts: []int{10250}, Kubelets: true},
	{Name: ExternalSecrets, Namespace: "external-secrets", ServiceAccount: "external-secrets", WebhookPorts: []int{10250}},
	{Name: LoadBalancerController, Namespace: "ingress", ServiceAccount: "aws-load-balancer-controller", WebhookPorts: []int{9443}, AWSAPIs: true},
	{Name: ExternalDNS, Namespace: "ingress", ServiceAccount: "external-dns", AWSAPIs: true},
	{Name: ClusterAutoscaler, Namespace: "autoscaling", ServiceAccount: "cluster-autoscaler", AWSAPIs: true},
	// Falco's own pods call nothing; falcosidekick publishes to SNS.
	{Name: Falco, Namespace: "security", ServiceAccount: "falco-falcosidekick", AWSAPIs: true, IntraNamespace: true},
}

// Names are the add-ons' names, sorted.
func Names() []string {
	var out []string
	for _, a := range Catalog {
		out = append(out, a.Name)
	}
	slices.Sort(out)
	return out
}

// Chart pins one Helm chart: its repository and exact version.
type Chart struct {
	Repository, Version string
}

// ChartError is a problem with one chart's pin: Path is the add-on's
// name and the field (external-dns.version).
type ChartError struct{ Path, Message string }

// ValidateChart checks one chart's pin: an https repository and an exact
// version (paths repository, version).
func ValidateChart(c Chart) []ChartError {
	var errs []ChartError
	if u, err := url.Parse(c.Repository); err != nil || u.Scheme != "https" || u.Host == "" {
		errs = append(errs, ChartError{"repository", fmt.Sprintf("must be an https chart repository, got %q", c.Repository)})
	}
	if !exactVersion.MatchString(c.Version) {
		errs = append(errs, ChartError{"version", fmt.Sprintf("must be an exact chart version such as 1.2.3, not a range, got %q", c.Version)})
	}
	return errs
}

// PinnedCharts checks that each of names has a chart pinned to an exact
// version from an https repository (paths <name> and <name>.<field>).
func PinnedCharts(charts map[string]Chart, names []string) []ChartError {
	var errs []ChartError
	for _, name := range names {
		c, ok := charts[name]
		if !ok {
			errs = append(errs, ChartError{name, "pin the chart: its repository and exact version"})
			continue
		}
		for _, e := range ValidateChart(c) {
			errs = append(errs, ChartError{name + "." + e.Path, e.Message})
		}
	}
	return errs
}

// ValidateCharts checks that every add-on's chart is pinned to an exact
// version from an https repository, and that no other chart is named.
func ValidateCharts(charts map[string]Chart) []ChartError {
	errs := PinnedCharts(charts, Names())
	for _, name := range slices.Sorted(maps.Keys(charts)) {
		if !slices.Contains(Names(), name) {
			errs = append(errs, ChartError{name, fmt.Sprintf("not an add-on the platform installs (%s)", strings.Join(Names(), ", "))})
		}
	}
	return errs
}

// AddonsArgs configure the add-ons of one cluster.
type AddonsArgs struct {
	Namer naming.Namer
	// ClusterName and VpcID of the cluster; Region is the stack's.
	ClusterName pulumi.StringInput
	VpcID       pulumi.StringInput
	// Charts pins every add-on's chart, by name.
	Charts map[string]Chart
	// PermissionBoundaryArn bounds every add-on role.
	PermissionBoundaryArn pulumi.StringInput

	// The API's load balancer: the edge's certificate and web ACL, the
	// access-log bucket, and the TLS policy.
	CertificateArn, WebAclArn, AccessLogBucket pulumi.StringInput
	SSLPolicy                                  string
	// ZoneID and ZoneName: the only zone external-dns writes to.
	ZoneID   pulumi.StringInput
	ZoneName string
	// SecretsKeyArn encrypts the secrets the ClusterSecretStore reads
	// (the stack's secrets, named <project>/<environment>/...).
	SecretsKeyArn pulumi.StringInput
	// ReplicaSecretsKeyArn, in the DR region, is the key the primary
	// stack's secret replicas are encrypted with here; nil elsewhere.
	ReplicaSecretsKeyArn pulumi.StringInput
	// SecurityTopicArn receives Falco's alerts; TopicKeyArn encrypts it.
	SecurityTopicArn, TopicKeyArn pulumi.StringInput
	// SpotNodeGroup is the node group the autoscaler prefers for pods
	// that tolerate it.
	SpotNodeGroup string
	// DependsOn: the namespaces and the nodes the releases need.
	DependsOn []pulumi.Resource
	// Addons defaults to Catalog.
	Addons []Addon
}

func (a AddonsArgs) addons() []Addon {
	if a.Addons == nil {
		return Catalog
	}
	return a.Addons
}

// DefaultSSLPolicy negotiates TLS 1.3 and 1.2 only.
const DefaultSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

var (
	exactVersion = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	// ELBSecurityPolicy-TLS13-1-2-* negotiate TLS 1.2 at least.
	tls12Policy = regexp.MustCompile(`^ELBSecurityPolicy-TLS13-1-[23]-`)
)

// Validate reports every problem with its field path.
func (a AddonsArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, e := range ValidateCharts(a.Charts) {
		add("charts.%s: %s", e.Path, e.Message)
	}
	for _, ad := range a.addons() {
		if ad.ServiceAccount == "" && ad.NoAWS == "" {
			add("addons.%s.serviceAccount: give the add-on a role (its service account and a least-privilege policy), or say in noAws why it calls no AWS API", ad.Name)
		}
		if !slices.Contains(Names(), ad.Name) {
			add("addons.%s: not an add-on the platform installs (%s)", ad.Name, strings.Join(Names(), ", "))
		}
	}
	if !tls12Policy.MatchString(a.SSLPolicy) {
		add("sslPolicy: must be a TLS 1.3/1.2 policy (ELBSecurityPolicy-TLS13-1-2-...), got %q", a.SSLPolicy)
	}
	if a.ZoneName == "" {
		add("zoneName: external-dns writes only to the platform's zone: name it")
	}
	if a.SpotNodeGroup == "" {
		add("spotNodeGroup: name the node group the autoscaler prefers")
	}
	for field, v := range map[string]pulumi.StringInput{
		"clusterName": a.ClusterName, "vpcId": a.VpcID, "certificateArn": a.CertificateArn, "webAclArn": a.WebAclArn,
		"accessLogBucket": a.AccessLogBucket, "zoneId": a.ZoneID, "secretsKeyArn": a.SecretsKeyArn,
		"securityTopicArn": a.SecurityTopicArn, "topicKeyArn": a.TopicKeyArn,
	} {
		if v == nil {
			add("%s: is required", field)
		}
	}
	slices.SortFunc(errs, func(x, y error) int { return strings.Compare(x.Error(), y.Error()) })
	return errors.Join(errs...)
}
