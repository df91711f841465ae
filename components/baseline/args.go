// Package baseline owns what every workload on the cluster lives inside:
// namespaces with Pod Security Standards labels, a default-deny network
// policy and the few allows each needs, a ResourceQuota and a LimitRange,
// a default service account without a token; RBAC for the auditors' and
// developers' groups (the cluster's access entries put people in them);
// and admission control (ValidatingAdmissionPolicy, CEL) that enforces at
// runtime what the policy pack enforces before deploy. Every object is a
// typed Kubernetes resource on the cluster's explicit provider, so the
// offline plan and the pack see it.
package baseline

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
)

// The Kubernetes groups RBAC binds; the cluster's access entries put
// principals in them.
const (
	// AuditorsGroup reads everything but Secrets, RBAC and admission
	// configuration included.
	AuditorsGroup    = "platform:auditors"
	developersPrefix = "platform:developers:"
)

// DevelopersGroup is the group with read-only access to one namespace.
func DevelopersGroup(namespace string) string { return developersPrefix + namespace }

// Pod Security Standards levels.
const (
	Restricted    = "restricted"
	BaselineLevel = "baseline"
	Privileged    = "privileged"
)

// Namespace is one namespace of the platform.
type Namespace struct {
	Name string
	// PodSecurity is the enforced level; anything but restricted needs a
	// Reason.
	PodSecurity string
	Reason      string
	// Application namespaces get the admission policy in deny mode;
	// the platform's own in audit mode.
	Application bool
	// Quota and Limits size the namespace.
	Quota  Quota
	Limits Limits
	// DataPorts may be reached in the data tier (5432, 6379).
	DataPorts []int
	// Developers binds DevelopersGroup(Name) to read-only access here.
	Developers bool
	// ServicePorts are reached by the load balancer (IP targets) from
	// the public subnets.
	ServicePorts []int
	// The platform's add-ons say what else their namespace needs:
	// WebhookPorts the API server calls (admission webhooks, aggregated
	// APIs), AWSAPIs for AWS APIs without a VPC endpoint (Route 53,
	// ELB, EC2, Auto Scaling, SNS) over 443, Kubelets for 10250 on the
	// nodes, and IntraNamespace for pods of the namespace talking to
	// each other.
	WebhookPorts                      []int
	AWSAPIs, Kubelets, IntraNamespace bool
	// Scraper reaches every pod of every namespace (which admit it from
	// monitoring) and the nodes' exporters (9100, 10250).
	Scraper bool
}

// Quota is a namespace's ResourceQuota (no CPU limit: see namespace).
type Quota struct {
	RequestsCPU, RequestsMemory, LimitsMemory string
	Pods                                      int
}

// Limits are a LimitRange's default requests.
type Limits struct {
	DefaultRequestCPU, DefaultRequestMemory string
	// DefaultLimitMemory, for platform namespaces only: the charts'
	// helper containers (config reloaders, sidecars) that set no memory
	// limit would otherwise be refused by the quota on limits.memory. An
	// application namespace never gets one: admission refuses a container
	// without its own limit.
	DefaultLimitMemory string
}

// BaselineArgs configure the baseline of one cluster.
type BaselineArgs struct {
	Namespaces []Namespace
	// KubernetesVersion pins the Pod Security Standards version ("1.35").
	KubernetesVersion string
	// VpcCidr: egress to the VPC endpoints and the API server (443).
	VpcCidr string
	// DataCidrs are the data tier's subnets; PublicCidrs the load
	// balancers'.
	DataCidrs, PublicCidrs []string
	// Registries are the image prefixes admission allows.
	Registries []string
	// Flows are the cross-namespace connections the platform's parts
	// make (Grafana to Loki, the Loki ruler to Alertmanager, workloads to
	// the trace collector): each becomes an egress allow in the source
	// namespaces and an ingress allow in the destination, on its ports
	// only.
	Flows []Flow
}

// Applications selects every application namespace in a Flow.
const Applications = "tier:application"

// Flow is one allowed connection between namespaces: From and To are a
// namespace's name, or Applications.
type Flow struct {
	From, To string
	Ports    []int
}

// matches reports whether a Flow end names the namespace.
func matches(end string, n Namespace) bool {
	return end == n.Name || (end == Applications && n.Application)
}

var (
	namespaceName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	quantity      = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$`)
	version       = regexp.MustCompile(`^1\.[0-9]{2}$`)
)

// Validate reports every problem with its field path.
func (a BaselineArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !version.MatchString(a.KubernetesVersion) {
		add("kubernetesVersion: must be the cluster's minor version such as 1.35, got %q", a.KubernetesVersion)
	}
	if _, err := netip.ParsePrefix(a.VpcCidr); err != nil {
		add("vpcCidr: must be a CIDR block, got %q", a.VpcCidr)
	}
	for i, c := range a.DataCidrs {
		if _, err := netip.ParsePrefix(c); err != nil {
			add("dataCidrs[%d]: must be a CIDR block, got %q", i, c)
		}
	}
	for i, c := range a.PublicCidrs {
		if _, err := netip.ParsePrefix(c); err != nil {
			add("publicCidrs[%d]: must be a CIDR block, got %q", i, c)
		}
	}
	for i, f := range a.Flows {
		for _, end := range []struct{ field, value string }{{"from", f.From}, {"to", f.To}} {
			if end.value != Applications && !slices.ContainsFunc(a.Namespaces, func(n Namespace) bool { return n.Name == end.value }) {
				add("flows[%d].%s: %q is not a namespace of the baseline (or %q)", i, end.field, end.value, Applications)
			}
		}
		if len(f.Ports) == 0 {
			add("flows[%d].ports: name the ports %s reaches in %s", i, f.From, f.To)
		}
		for _, p := range f.Ports {
			if p < 1 || p > 65535 {
				add("flows[%d].ports: %d is not a port", i, p)
			}
		}
	}
	for i, n := range a.Namespaces {
		if n.Application && n.Limits.DefaultLimitMemory != "" {
			add("namespaces[%d] (%s).limits.defaultLimitMemory: application containers set their own memory limit (admission refuses one without)", i, n.Name)
		}
	}
	if len(a.Registries) == 0 {
		add("registries: name the registries images may come from")
	}
	seen := map[string]bool{}
	for i, ns := range a.Namespaces {
		at := fmt.Sprintf("namespaces[%d] (%s)", i, ns.Name)
		if !namespaceName.MatchString(ns.Name) || seen[ns.Name] {
			add("%s.name: must be a unique DNS label", at)
		}
		seen[ns.Name] = true
		switch ns.PodSecurity {
		case Restricted:
		case BaselineLevel, Privileged:
			if ns.Reason == "" {
				add("%s.reason: say why the namespace needs Pod Security %s rather than restricted", at, ns.PodSecurity)
			}
			if ns.Application {
				add("%s.podSecurity: application namespaces enforce restricted, got %s", at, ns.PodSecurity)
			}
		default:
			add("%s.podSecurity: must be restricted, baseline or privileged, got %q", at, ns.PodSecurity)
		}
		q := ns.Quota
		for _, f := range [][2]string{{"requestsCpu", q.RequestsCPU}, {"requestsMemory", q.RequestsMemory}, {"limitsMemory", q.LimitsMemory}} {
			if !quantity.MatchString(f[1]) {
				add("%s.quota.%s: must be a Kubernetes quantity, got %q", at, f[0], f[1])
			}
		}
		if q.Pods < 1 {
			add("%s.quota.pods: at least 1, got %d", at, q.Pods)
		}
		l := ns.Limits
		for _, f := range [][2]string{{"defaultRequestCpu", l.DefaultRequestCPU}, {"defaultRequestMemory", l.DefaultRequestMemory}} {
			if !quantity.MatchString(f[1]) {
				add("%s.limits.%s: must be a Kubernetes quantity, got %q", at, f[0], f[1])
			}
		}
		for j, p := range append(slices.Clone(ns.ServicePorts), ns.WebhookPorts...) {
			if p < 1 || p > 65535 {
				add("%s.servicePorts/webhookPorts[%d]: must be a TCP port, got %d", at, j, p)
			}
		}
		if len(ns.ServicePorts) > 0 && len(a.PublicCidrs) == 0 {
			add("%s.servicePorts: the load balancers' subnets (publicCidrs) are needed to admit them", at)
		}
		for j, p := range ns.DataPorts {
			if !slices.Contains([]int{5432, 6379}, p) {
				add("%s.dataPorts[%d]: the data tier serves 5432 and 6379, got %d", at, j, p)
			}
		}
	}
	if len(a.Namespaces) == 0 {
		errs = append(errs, errors.New("namespaces: at least one namespace"))
	}
	return errors.Join(errs...)
}
