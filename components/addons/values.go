package addons

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The charts' values, as typed structs: a key the chart does not know is
// a compile error here rather than a silently ignored string. Only the
// keys the platform sets are declared; the charts' defaults hold for the
// rest. Values known only at deploy time (the cluster's name, an ARN) are
// refs, resolved into the release's inputs by toMap.

// Ref names a deploy-time value in a values struct; ValuesMap resolves it.
func Ref(name string) string { return "$ref:" + name }

// Resources are a container's requests and limits: CPU and memory
// requested, memory limited (a CPU limit only throttles).
type Resources struct {
	Requests map[string]string `json:"requests"`
	Limits   map[string]string `json:"limits"`
}

func resources(cpu, memory, memoryLimit string) Resources {
	return Resources{Requests: map[string]string{"cpu": cpu, "memory": memory}, Limits: map[string]string{"memory": memoryLimit}}
}

// LabelSelector selects pods by labels.
type LabelSelector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

// SpreadConstraint is a pod topology spread constraint.
type SpreadConstraint struct {
	MaxSkew           int           `json:"maxSkew"`
	TopologyKey       string        `json:"topologyKey"`
	WhenUnsatisfiable string        `json:"whenUnsatisfiable"`
	LabelSelector     LabelSelector `json:"labelSelector"`
}

// spread keeps replicas in different zones (strictly) and on different
// nodes (where possible).
func spread(labels map[string]string) []SpreadConstraint {
	return []SpreadConstraint{
		{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: "DoNotSchedule", LabelSelector: LabelSelector{labels}},
		{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: "ScheduleAnyway", LabelSelector: LabelSelector{labels}},
	}
}

// podLabels are the labels the charts put on their pods: the chart's
// name for the component and the release's.
func podLabels(name, release string) map[string]string {
	return map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/instance": release}
}

// SecurityContext is a container's, restricted-compatible.
type SecurityContext struct {
	RunAsNonRoot bool `json:"runAsNonRoot"`
	// RunAsUser, where the image's user is not numeric or is root.
	RunAsUser                int            `json:"runAsUser,omitempty"`
	AllowPrivilegeEscalation bool           `json:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   bool           `json:"readOnlyRootFilesystem"`
	Capabilities             Capabilities   `json:"capabilities"`
	SeccompProfile           SeccompProfile `json:"seccompProfile"`
}

// Capabilities dropped.
type Capabilities struct {
	Drop []string `json:"drop"`
}

// SeccompProfile of a container.
type SeccompProfile struct {
	Type string `json:"type"`
}

// restricted is what the restricted Pod Security Standard asks of a
// container.
var restricted = SecurityContext{
	RunAsNonRoot: true, AllowPrivilegeEscalation: false, ReadOnlyRootFilesystem: true,
	Capabilities: Capabilities{Drop: []string{"ALL"}}, SeccompProfile: SeccompProfile{Type: "RuntimeDefault"},
}

// ServiceAccount of a chart: created by it, with the name the Pod
// Identity association names.
type ServiceAccount struct {
	Create bool   `json:"create"`
	Name   string `json:"name"`
}

// Toleration of a taint.
type Toleration struct {
	Key      string `json:"key"`
	Operator string `json:"operator"`
	Effect   string `json:"effect"`
}

// spotToleration lets node agents run on the spot nodes too.
var spotToleration = Toleration{Key: "platform/spot", Operator: "Exists", Effect: "NoSchedule"}

// --- aws-load-balancer-controller ---

// LoadBalancerControllerValues are the aws-load-balancer-controller chart's.
type LoadBalancerControllerValues struct {
	ClusterName               string             `json:"clusterName"`
	Region                    string             `json:"region"`
	VpcID                     string             `json:"vpcId"`
	ReplicaCount              int                `json:"replicaCount"`
	ServiceAccount            ServiceAccount     `json:"serviceAccount"`
	Resources                 Resources          `json:"resources"`
	SecurityContext           SecurityContext    `json:"securityContext"`
	PodDisruptionBudget       MaxUnavailable     `json:"podDisruptionBudget"`
	TopologySpreadConstraints []SpreadConstraint `json:"topologySpreadConstraints"`
	// Shield Advanced and WAF Classic are not used; WAFv2 is.
	EnableShield bool `json:"enableShield"`
	EnableWaf    bool `json:"enableWaf"`
	EnableWafv2  bool `json:"enableWafv2"`
	// DefaultTargetType ip: the load balancer reaches pods directly.
	DefaultTargetType string `json:"defaultTargetType"`
	// EnableServiceMutatorWebhook off: it would gate every Service in the
	// cluster on the controller (failurePolicy Fail); the platform uses
	// no Service of type LoadBalancer.
	EnableServiceMutatorWebhook bool               `json:"enableServiceMutatorWebhook"`
	DefaultSSLPolicy            string             `json:"defaultSSLPolicy"`
	DefaultTags                 map[string]string  `json:"defaultTags"`
	IngressClass                string             `json:"ingressClass"`
	CreateIngressClassResource  bool               `json:"createIngressClassResource"`
	IngressClassParams          IngressClassParams `json:"ingressClassParams"`
}

// MaxUnavailable is a PodDisruptionBudget that the chart creates.
type MaxUnavailable struct {
	MaxUnavailable int `json:"maxUnavailable"`
}

// IngressClassParams are the settings every Ingress of the class gets,
// whatever its annotations say.
type IngressClassParams struct {
	Create bool                   `json:"create"`
	Name   string                 `json:"name"`
	Spec   IngressClassParamsSpec `json:"spec"`
}

// IngressClassParamsSpec is elbv2.k8s.aws/v1beta1 IngressClassParams'.
type IngressClassParamsSpec struct {
	// NamespaceSelector: only application namespaces may use the class.
	NamespaceSelector      LabelSelector `json:"namespaceSelector"`
	Group                  Named         `json:"group"`
	Scheme                 string        `json:"scheme"`
	IPAddressType          string        `json:"ipAddressType"`
	TargetType             string        `json:"targetType"`
	CertificateArn         []string      `json:"certificateArn"`
	SSLPolicy              string        `json:"sslPolicy"`
	SSLRedirectPort        string        `json:"sslRedirectPort"`
	WAFv2ACLArn            string        `json:"wafv2AclArn"`
	LoadBalancerAttributes []Attribute   `json:"loadBalancerAttributes"`
}

// Named is {name: ...}.
type Named struct {
	Name string `json:"name"`
}

// Attribute is a load balancer attribute.
type Attribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// --- external-dns ---

// ExternalDNSValues are the external-dns chart's.
type ExternalDNSValues struct {
	Provider       Named          `json:"provider"`
	Sources        []string       `json:"sources"`
	DomainFilters  []string       `json:"domainFilters"`
	Policy         string         `json:"policy"`
	Registry       string         `json:"registry"`
	TxtOwnerID     string         `json:"txtOwnerId"`
	TxtPrefix      string         `json:"txtPrefix"`
	ExtraArgs      map[string]any `json:"extraArgs"`
	Env            []EnvVar       `json:"env"`
	ServiceAccount ServiceAccount `json:"serviceAccount"`
	Resources      Resources      `json:"resources"`
	// One replica: external-dns has no leader election.
	SecurityContext SecurityContext `json:"securityContext"`
}

// EnvVar is a container's environment variable (never a secret).
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// --- external-secrets ---

// ExternalSecretsValues are the external-secrets chart's.
type ExternalSecretsValues struct {
	InstallCRDs               bool                 `json:"installCRDs"`
	ReplicaCount              int                  `json:"replicaCount"`
	LeaderElect               bool                 `json:"leaderElect"`
	ServiceAccount            ServiceAccount       `json:"serviceAccount"`
	Resources                 Resources            `json:"resources"`
	PodDisruptionBudget       MinAvailable         `json:"podDisruptionBudget"`
	TopologySpreadConstraints []SpreadConstraint   `json:"topologySpreadConstraints"`
	Webhook                   ExternalSecretsChild `json:"webhook"`
	CertController            ExternalSecretsChild `json:"certController"`
}

// MinAvailable is a PodDisruptionBudget switched on in the chart.
type MinAvailable struct {
	Enabled      bool `json:"enabled"`
	MinAvailable int  `json:"minAvailable"`
}

// ExternalSecretsChild is the webhook's or the cert controller's.
type ExternalSecretsChild struct {
	ReplicaCount              int                `json:"replicaCount"`
	Resources                 Resources          `json:"resources"`
	PodDisruptionBudget       MinAvailable       `json:"podDisruptionBudget"`
	TopologySpreadConstraints []SpreadConstraint `json:"topologySpreadConstraints,omitempty"`
}

// --- cluster-autoscaler ---

// ClusterAutoscalerValues are the cluster-autoscaler chart's.
type ClusterAutoscalerValues struct {
	CloudProvider string       `json:"cloudProvider"`
	AWSRegion     string       `json:"awsRegion"`
	AutoDiscovery AutoDiscover `json:"autoDiscovery"`
	ReplicaCount  int          `json:"replicaCount"`
	// ExtraArgs are the autoscaler's flags.
	ExtraArgs map[string]string `json:"extraArgs"`
	// ExpanderPriorities: the chart writes them to the priority
	// expander's ConfigMap; higher wins.
	ExpanderPriorities        map[string][]string `json:"expanderPriorities"`
	RBAC                      AutoscalerRBAC      `json:"rbac"`
	Resources                 Resources           `json:"resources"`
	ContainerSecurityContext  SecurityContext     `json:"containerSecurityContext"`
	PodDisruptionBudget       MaxUnavailable      `json:"podDisruptionBudget"`
	TopologySpreadConstraints []SpreadConstraint  `json:"topologySpreadConstraints"`
}

// AutoDiscover finds the node groups by the cluster's tags.
type AutoDiscover struct {
	ClusterName string `json:"clusterName"`
}

// AutoscalerRBAC holds the chart's service account.
type AutoscalerRBAC struct {
	ServiceAccount ServiceAccount `json:"serviceAccount"`
}

// --- metrics-server ---

// MetricsServerValues are the metrics-server chart's.
type MetricsServerValues struct {
	Replicas                  int                `json:"replicas"`
	Args                      []string           `json:"args"`
	ServiceAccount            ServiceAccount     `json:"serviceAccount"`
	Resources                 Resources          `json:"resources"`
	SecurityContext           SecurityContext    `json:"securityContext"`
	PodDisruptionBudget       MinAvailable       `json:"podDisruptionBudget"`
	TopologySpreadConstraints []SpreadConstraint `json:"topologySpreadConstraints"`
}

// --- falco ---

// FalcoValues are the falco chart's.
type FalcoValues struct {
	Driver         FalcoDriver    `json:"driver"`
	TTY            bool           `json:"tty"`
	Falco          FalcoConfig    `json:"falco"`
	Falcoctl       Falcoctl       `json:"falcoctl"`
	Collectors     Collectors     `json:"collectors"`
	ServiceAccount ServiceAccount `json:"serviceAccount"`
	Resources      Resources      `json:"resources"`
	Tolerations    []Toleration   `json:"tolerations"`
	Falcosidekick  Falcosidekick  `json:"falcosidekick"`
}

// FalcoConfig is falco.yaml's: events as JSON, with their tags.
type FalcoConfig struct {
	JSONOutput                bool `json:"json_output"`
	JSONIncludeOutputProperty bool `json:"json_include_output_property"`
	JSONIncludeTagsProperty   bool `json:"json_include_tags_property"`
}

// Enabled is {enabled: ...}.
type Enabled struct {
	Enabled bool `json:"enabled"`
}

// Falcoctl: rules ship in the pinned image; nothing is downloaded or
// followed at runtime.
type Falcoctl struct {
	Artifact FalcoctlArtifact `json:"artifact"`
}

// FalcoctlArtifact switches falcoctl's init and sidecar containers.
type FalcoctlArtifact struct {
	Install Enabled `json:"install"`
	Follow  Enabled `json:"follow"`
}

// Collectors enrich events with container and Kubernetes metadata.
type Collectors struct {
	Kubernetes Enabled `json:"kubernetes"`
}

// FalcoDriver is the modern eBPF probe, with capabilities instead of a
// privileged container.
type FalcoDriver struct {
	Kind       string     `json:"kind"`
	ModernEbpf ModernEbpf `json:"modernEbpf"`
}

// ModernEbpf settings.
type ModernEbpf struct {
	LeastPrivileged bool `json:"leastPrivileged"`
}

// Falcosidekick forwards Falco's events to SNS. Its chart has no
// topology spread or PodDisruptionBudget keys: the component spreads it
// with anti-affinity and creates its PodDisruptionBudget.
type Falcosidekick struct {
	Enabled         bool            `json:"enabled"`
	ReplicaCount    int             `json:"replicaCount"`
	Config          SidekickConfig  `json:"config"`
	Resources       Resources       `json:"resources"`
	SecurityContext SecurityContext `json:"securityContext"`
	Affinity        Affinity        `json:"affinity"`
}

// Affinity keeps replicas in different zones.
type Affinity struct {
	PodAntiAffinity PodAntiAffinity `json:"podAntiAffinity"`
}

// PodAntiAffinity, required.
type PodAntiAffinity struct {
	Required []AffinityTerm `json:"requiredDuringSchedulingIgnoredDuringExecution"`
}

// AffinityTerm is one anti-affinity term.
type AffinityTerm struct {
	TopologyKey   string        `json:"topologyKey"`
	LabelSelector LabelSelector `json:"labelSelector"`
}

// SidekickConfig is falcosidekick's output configuration.
type SidekickConfig struct {
	AWS SidekickAWS `json:"aws"`
}

// SidekickAWS sends to SNS with the pod's Pod Identity credentials.
type SidekickAWS struct {
	Region string      `json:"region"`
	SNS    SidekickSNS `json:"sns"`
}

// SidekickSNS is the topic and the least priority published.
type SidekickSNS struct {
	TopicArn        string `json:"topicarn"`
	MinimumPriority string `json:"minimumpriority"`
	RawJSON         bool   `json:"rawjson"`
}

// ValuesMap turns a values struct into the release's values: JSON field
// names, nested maps and lists, and each Ref replaced by its input.
func ValuesMap(values any, refs map[string]pulumi.StringInput) (pulumi.Map, error) {
	b, err := json.Marshal(values)
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := json.Unmarshal(b, &tree); err != nil {
		return nil, err
	}
	var convert func(v any) (pulumi.Input, error)
	convert = func(v any) (pulumi.Input, error) {
		switch v := v.(type) {
		case map[string]any:
			m := pulumi.Map{}
			for k, x := range v {
				in, err := convert(x)
				if err != nil {
					return nil, err
				}
				m[k] = in
			}
			return m, nil
		case []any:
			a := pulumi.Array{}
			for _, x := range v {
				in, err := convert(x)
				if err != nil {
					return nil, err
				}
				a = append(a, in)
			}
			return a, nil
		case string:
			if name, ok := strings.CutPrefix(v, "$ref:"); ok {
				in, ok := refs[name]
				if !ok {
					return nil, fmt.Errorf("values: no value for %s", name)
				}
				return in, nil
			}
			return pulumi.String(v), nil
		case float64:
			return pulumi.Float64(v), nil
		case bool:
			return pulumi.Bool(v), nil
		case nil:
			return nil, nil
		}
		return nil, fmt.Errorf("values: unexpected %T", v)
	}
	in, err := convert(tree)
	if err != nil {
		return nil, err
	}
	return in.(pulumi.Map), nil
}

// Restricted is the container security context the restricted Pod
// Security Standard asks for, for the platform's other charts.
func Restricted() SecurityContext { return restricted }

// Spread keeps a chart's replicas in different zones (strictly) and on
// different nodes (where possible).
func Spread(labels map[string]string) []SpreadConstraint { return spread(labels) }

// Requests are a container's CPU and memory requests and memory limit.
func Requests(cpu, memory, memoryLimit string) Resources { return resources(cpu, memory, memoryLimit) }
