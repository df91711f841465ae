package tracing

import (
	"strconv"

	"platform/components/addons"
)

// The releases' values, as typed structs (see components/addons): only
// the keys the platform sets are declared, the charts' defaults hold for
// the rest. Every key below exists in the pinned chart versions
// (opentelemetry-collector 0.170.0, tempo-distributed 2.26.2).

// The images. The collector chart names no image of its own (image.
// repository must be set); the tag is the chart's appVersion, pinned here
// so that a chart bump never moves the collector silently. The contrib
// distribution is the one with tail_sampling, load_balancing, awsxray,
// awsproxy and k8s_attributes.
const (
	CollectorImage    = "otel/opentelemetry-collector-contrib"
	CollectorImageTag = "0.158.0"
	// TempoImageTag is tempo-distributed 2.26.2's appVersion.
	TempoImageTag = "2.10.7"
)

// The sampler's decision window: a trace is judged this long after its
// first span arrives, so the slow threshold must be shorter.
const (
	decisionWaitMs = 30000
	// sampledCacheSize remembers "keep" decisions after a trace left
	// memory, so late spans of a kept trace are kept too.
	sampledCacheSize = 100000
)

// Enabled is {enabled: ...}.
type Enabled struct {
	Enabled bool `json:"enabled"`
}

// PodSecurityContext is a pod's, for the restricted Pod Security Standard.
type PodSecurityContext struct {
	RunAsNonRoot   bool                  `json:"runAsNonRoot"`
	FSGroup        int                   `json:"fsGroup,omitempty"`
	SeccompProfile addons.SeccompProfile `json:"seccompProfile"`
}

// restricted is what the restricted Pod Security Standard asks of a
// container; user is the image's numeric non-root user.
func restricted(user int) addons.SecurityContext {
	return addons.SecurityContext{
		RunAsNonRoot: true, RunAsUser: user, AllowPrivilegeEscalation: false, ReadOnlyRootFilesystem: true,
		Capabilities: addons.Capabilities{Drop: []string{"ALL"}}, SeccompProfile: addons.SeccompProfile{Type: "RuntimeDefault"},
	}
}

func resources(cpu, memory, memoryLimit string) addons.Resources {
	return addons.Resources{Requests: map[string]string{"cpu": cpu, "memory": memory}, Limits: map[string]string{"memory": memoryLimit}}
}

// spread keeps replicas in different zones (strictly) and on different
// nodes (where possible).
func spread(labels map[string]string) []addons.SpreadConstraint {
	return []addons.SpreadConstraint{
		{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: "DoNotSchedule", LabelSelector: addons.LabelSelector{MatchLabels: labels}},
		{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: "ScheduleAnyway", LabelSelector: addons.LabelSelector{MatchLabels: labels}},
	}
}

// --- opentelemetry-collector ---

// CollectorValues are the opentelemetry-collector chart's.
type CollectorValues struct {
	// Mode deployment: a gateway, not an agent on every node.
	Mode string `json:"mode"`
	// FullnameOverride is the release name, so the Services are named
	// after it (otel-gateway, not otel-gateway-opentelemetry-collector).
	FullnameOverride          string                    `json:"fullnameOverride"`
	Image                     Image                     `json:"image"`
	ReplicaCount              int                       `json:"replicaCount"`
	ServiceAccount            CollectorServiceAccount   `json:"serviceAccount"`
	ClusterRole               ClusterRole               `json:"clusterRole"`
	PodSecurityContext        PodSecurityContext        `json:"podSecurityContext"`
	SecurityContext           addons.SecurityContext    `json:"securityContext"`
	Resources                 addons.Resources          `json:"resources"`
	TopologySpreadConstraints []addons.SpreadConstraint `json:"topologySpreadConstraints"`
	PodDisruptionBudget       CollectorPDB              `json:"podDisruptionBudget"`
	// Ports: the chart opens Jaeger and Zipkin by default; only what the
	// config listens on is opened.
	Ports          map[string]Port  `json:"ports"`
	Service        CollectorService `json:"service"`
	ServiceMonitor Enabled          `json:"serviceMonitor"`
	// AlternateConfig replaces the chart's default config instead of
	// being merged into it: Helm cannot delete the default Jaeger, Zipkin
	// and Prometheus receivers and the logs and metrics pipelines from a
	// merged config, and the collector's whole configuration is then
	// what is written here.
	AlternateConfig CollectorConfig `json:"alternateConfig"`
}

// Image is a container image.
type Image struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
}

// CollectorServiceAccount is the one the Pod Identity association names.
type CollectorServiceAccount struct {
	Create bool   `json:"create"`
	Name   string `json:"name"`
	// AutomountServiceAccountToken only where the collector reads the
	// Kubernetes API (k8s_attributes); Pod Identity mounts its own token.
	AutomountServiceAccountToken bool `json:"automountServiceAccountToken"`
}

// ClusterRole is the collector's cluster-wide read access.
type ClusterRole struct {
	Create bool         `json:"create"`
	Rules  []PolicyRule `json:"rules,omitempty"`
}

// PolicyRule is an RBAC rule.
type PolicyRule struct {
	APIGroups []string `json:"apiGroups"`
	Resources []string `json:"resources"`
	Verbs     []string `json:"verbs"`
}

// CollectorPDB is the chart's PodDisruptionBudget.
type CollectorPDB struct {
	Enabled        bool `json:"enabled"`
	MaxUnavailable int  `json:"maxUnavailable"`
}

// Port is one of the chart's ports: on the container and the Service.
type Port struct {
	Enabled       bool   `json:"enabled"`
	ContainerPort int    `json:"containerPort,omitempty"`
	ServicePort   int    `json:"servicePort,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
	AppProtocol   string `json:"appProtocol,omitempty"`
}

// CollectorService is the chart's Service.
type CollectorService struct {
	Type string `json:"type"`
	// ClusterIP None makes it headless: its DNS name resolves to every
	// ready pod, which the gateway's load_balancing exporter needs.
	ClusterIP string `json:"clusterIP,omitempty"`
}

// CollectorConfig is the collector's configuration. Component IDs are
// keys (type or type/name), their typed configs the values.
type CollectorConfig struct {
	Extensions map[string]any    `json:"extensions"`
	Receivers  map[string]any    `json:"receivers"`
	Processors map[string]any    `json:"processors"`
	Exporters  map[string]any    `json:"exporters"`
	Service    CollectorPipeline `json:"service"`
}

// CollectorPipeline is the config's service section.
type CollectorPipeline struct {
	Extensions []string            `json:"extensions"`
	Telemetry  Telemetry           `json:"telemetry"`
	Pipelines  map[string]Pipeline `json:"pipelines"`
}

// Telemetry exposes the collector's own metrics for Prometheus.
type Telemetry struct {
	Metrics TelemetryMetrics `json:"metrics"`
}

// TelemetryMetrics are read by pull.
type TelemetryMetrics struct {
	Readers []map[string]any `json:"readers"`
}

// Pipeline is one signal's pipeline; order matters for processors.
type Pipeline struct {
	Receivers  []string `json:"receivers"`
	Processors []string `json:"processors"`
	Exporters  []string `json:"exporters"`
}

// Endpoint is {endpoint: ...}.
type Endpoint struct {
	Endpoint string `json:"endpoint"`
}

// OTLPReceiver listens for OTLP.
type OTLPReceiver struct {
	Protocols OTLPProtocols `json:"protocols"`
}

// OTLPProtocols are gRPC and HTTP; nil is off.
type OTLPProtocols struct {
	GRPC *Endpoint `json:"grpc,omitempty"`
	HTTP *Endpoint `json:"http,omitempty"`
}

// MemoryLimiter refuses data before the container's memory limit is
// reached (the chart sets GOMEMLIMIT from the same limit).
type MemoryLimiter struct {
	CheckInterval        string `json:"check_interval"`
	LimitPercentage      int    `json:"limit_percentage"`
	SpikeLimitPercentage int    `json:"spike_limit_percentage"`
}

// K8sAttributes adds the sending pod's namespace, name and workload.
type K8sAttributes struct {
	AuthType       string           `json:"auth_type"`
	Passthrough    bool             `json:"passthrough"`
	PodAssociation []PodAssociation `json:"pod_association"`
	Extract        K8sExtract       `json:"extract"`
}

// PodAssociation is one way to find the sending pod.
type PodAssociation struct {
	Sources []PodSource `json:"sources"`
}

// PodSource is a resource attribute or the connection's address.
type PodSource struct {
	From string `json:"from"`
	Name string `json:"name,omitempty"`
}

// K8sExtract is the metadata added.
type K8sExtract struct {
	Metadata []string `json:"metadata"`
}

// Batch batches spans for the exporters. SendBatchMaxSize splits large
// batches: Tempo's distributor refuses gRPC messages over 4 MiB.
type Batch struct {
	Timeout          string `json:"timeout"`
	SendBatchSize    int    `json:"send_batch_size"`
	SendBatchMaxSize int    `json:"send_batch_max_size"`
}

func batch() Batch { return Batch{Timeout: "1s", SendBatchSize: 1024, SendBatchMaxSize: 2048} }

// TailSampling decides per trace, once all its spans are in.
type TailSampling struct {
	DecisionWait  string           `json:"decision_wait"`
	NumTraces     int              `json:"num_traces"`
	DecisionCache DecisionCache    `json:"decision_cache"`
	Policies      []SamplingPolicy `json:"policies"`
}

// DecisionCache remembers decisions after the trace left memory.
type DecisionCache struct {
	SampledCacheSize int `json:"sampled_cache_size"`
}

// SamplingPolicy is one tail-sampling policy; a trace is kept when any
// policy keeps it.
type SamplingPolicy struct {
	Name          string               `json:"name"`
	Type          string               `json:"type"`
	StatusCode    *StatusCodePolicy    `json:"status_code,omitempty"`
	Latency       *LatencyPolicy       `json:"latency,omitempty"`
	Probabilistic *ProbabilisticPolicy `json:"probabilistic,omitempty"`
}

// StatusCodePolicy keeps traces with a span of these statuses.
type StatusCodePolicy struct {
	StatusCodes []string `json:"status_codes"`
}

// LatencyPolicy keeps traces longer than the threshold.
type LatencyPolicy struct {
	ThresholdMs int `json:"threshold_ms"`
}

// ProbabilisticPolicy keeps a share of traces, by trace ID.
type ProbabilisticPolicy struct {
	SamplingPercentage float64 `json:"sampling_percentage"`
}

// LoadBalancing sends all spans of a trace to the same sampler.
type LoadBalancing struct {
	RoutingKey string              `json:"routing_key"`
	Protocol   LoadBalancingOTLP   `json:"protocol"`
	Resolver   LoadBalancingLookup `json:"resolver"`
}

// LoadBalancingOTLP is the OTLP exporter template for each sampler.
type LoadBalancingOTLP struct {
	OTLP OTLPExporter `json:"otlp"`
}

// LoadBalancingLookup finds the samplers: the headless Service's DNS
// name, re-resolved every few seconds.
type LoadBalancingLookup struct {
	DNS DNSResolver `json:"dns"`
}

// DNSResolver resolves a headless Service; the port is OTLP gRPC's
// default (4317).
type DNSResolver struct {
	Hostname string `json:"hostname"`
}

// OTLPExporter sends OTLP over gRPC.
type OTLPExporter struct {
	Endpoint string `json:"endpoint,omitempty"`
	Timeout  string `json:"timeout,omitempty"`
	// TLS insecure: in-cluster plaintext (see the package doc).
	TLS TLSClient `json:"tls"`
}

// TLSClient of an exporter.
type TLSClient struct {
	Insecure bool `json:"insecure"`
}

// AWSXRay sends segments to X-Ray with the pod's Pod Identity role.
type AWSXRay struct {
	Region string `json:"region"`
	// LocalMode skips the EC2 metadata look-up: the region is given and
	// the credentials come from Pod Identity.
	LocalMode bool `json:"local_mode"`
	// Telemetry reports the exporter's health to X-Ray
	// (PutTelemetryRecords).
	Telemetry Enabled `json:"telemetry"`
}

// AWSProxy signs the applications' X-Ray sampling calls
// (GetSamplingRules, GetSamplingTargets) with the gateway's role, so
// applications using X-Ray remote sampling need no AWS credentials.
type AWSProxy struct {
	Endpoint  string `json:"endpoint"`
	Region    string `json:"region"`
	LocalMode bool   `json:"local_mode"`
}

// collectorLabels are the chart's pod labels for a release.
func collectorLabels(release string) map[string]string {
	return map[string]string{"app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": release}
}

const podIP = "${env:MY_POD_IP}"

func listen(port int) string { return podIP + ":" + strconv.Itoa(port) }

// collectorBase is what both collector tiers share.
func collectorBase(release string, replicas int, res addons.Resources, ports map[string]Port) CollectorValues {
	off := Port{Enabled: false}
	all := map[string]Port{"otlp": off, "otlp-http": off, "jaeger-compact": off, "jaeger-thrift": off, "jaeger-grpc": off, "zipkin": off,
		"metrics": {Enabled: true, ContainerPort: MetricsPort, ServicePort: MetricsPort, Protocol: "TCP"}}
	for k, p := range ports {
		all[k] = p
	}
	return CollectorValues{
		Mode: "deployment", FullnameOverride: release,
		Image:        Image{Repository: CollectorImage, Tag: CollectorImageTag},
		ReplicaCount: replicas,
		// The image's user is 10001.
		PodSecurityContext:        PodSecurityContext{RunAsNonRoot: true, SeccompProfile: addons.SeccompProfile{Type: "RuntimeDefault"}},
		SecurityContext:           restricted(10001),
		Resources:                 res,
		TopologySpreadConstraints: spread(collectorLabels(release)),
		PodDisruptionBudget:       CollectorPDB{Enabled: true, MaxUnavailable: 1},
		Ports:                     all,
		Service:                   CollectorService{Type: "ClusterIP"},
		ServiceMonitor:            Enabled{true},
	}
}

func otlpGRPCPort() Port {
	return Port{Enabled: true, ContainerPort: OTLPGRPCPort, ServicePort: OTLPGRPCPort, Protocol: "TCP", AppProtocol: "grpc"}
}

func memoryLimiter() MemoryLimiter {
	return MemoryLimiter{CheckInterval: "1s", LimitPercentage: 80, SpikeLimitPercentage: 25}
}

func telemetry() Telemetry {
	return Telemetry{Metrics: TelemetryMetrics{Readers: []map[string]any{{
		"pull": map[string]any{"exporter": map[string]any{"prometheus": map[string]any{"host": podIP, "port": MetricsPort}}},
	}}}}
}

func healthCheck() Endpoint { return Endpoint{Endpoint: listen(13133)} }

// GatewayValues are the gateway tier's: it receives OTLP from the
// applications, adds their Kubernetes metadata (only this tier sees the
// sending pod's address), and routes every span by trace ID to one
// sampler. It also proxies the applications' X-Ray sampling calls.
func GatewayValues(a TracingArgs) CollectorValues {
	v := collectorBase(GatewayRelease, a.CollectorReplicas, resources("200m", "512Mi", "1Gi"), map[string]Port{
		"otlp":       otlpGRPCPort(),
		"otlp-http":  {Enabled: true, ContainerPort: OTLPHTTPPort, ServicePort: OTLPHTTPPort, Protocol: "TCP"},
		"xray-proxy": {Enabled: true, ContainerPort: XRayProxyPort, ServicePort: XRayProxyPort, Protocol: "TCP"},
	})
	v.ServiceAccount = CollectorServiceAccount{Create: true, Name: GatewayRelease, AutomountServiceAccountToken: true}
	// k8s_attributes reads pods, namespaces and replica sets (for the
	// deployment's name), cluster-wide and read-only; no Secrets.
	v.ClusterRole = ClusterRole{Create: true, Rules: []PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "namespaces"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"apps"}, Resources: []string{"replicasets"}, Verbs: []string{"get", "list", "watch"}},
	}}
	v.AlternateConfig = CollectorConfig{
		Extensions: map[string]any{
			"health_check": healthCheck(),
			"awsproxy":     AWSProxy{Endpoint: listen(XRayProxyPort), Region: a.Namer.Region, LocalMode: true},
		},
		Receivers: map[string]any{"otlp": OTLPReceiver{Protocols: OTLPProtocols{
			GRPC: &Endpoint{listen(OTLPGRPCPort)}, HTTP: &Endpoint{listen(OTLPHTTPPort)},
		}}},
		Processors: map[string]any{
			"memory_limiter": memoryLimiter(),
			"k8s_attributes": K8sAttributes{
				AuthType: "serviceAccount", Passthrough: false,
				// The SDK's own k8s.pod.ip if it sets one, else the
				// connection's source address (a ClusterIP Service keeps it).
				PodAssociation: []PodAssociation{
					{Sources: []PodSource{{From: "resource_attribute", Name: "k8s.pod.ip"}}},
					{Sources: []PodSource{{From: "connection"}}},
				},
				Extract: K8sExtract{Metadata: []string{
					"k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.deployment.name", "k8s.node.name", "container.image.tag",
				}},
			},
			"batch": batch(),
		},
		Exporters: map[string]any{"load_balancing": LoadBalancing{
			RoutingKey: "traceID",
			Protocol:   LoadBalancingOTLP{OTLP: OTLPExporter{Timeout: "10s", TLS: TLSClient{Insecure: true}}},
			Resolver:   LoadBalancingLookup{DNS: DNSResolver{Hostname: SamplerService}},
		}},
		Service: CollectorPipeline{
			Extensions: []string{"health_check", "awsproxy"},
			Telemetry:  telemetry(),
			Pipelines: map[string]Pipeline{"traces": {
				Receivers:  []string{"otlp"},
				Processors: []string{"memory_limiter", "k8s_attributes", "batch"},
				Exporters:  []string{"load_balancing"},
			}},
		},
	}
	return v
}

// Policies are the tail-sampling policies: every trace with an error,
// every trace slower than the threshold, and a baseline share of the
// rest.
func Policies(s Sampling) []SamplingPolicy {
	return []SamplingPolicy{
		{Name: "errors", Type: "status_code", StatusCode: &StatusCodePolicy{StatusCodes: []string{"ERROR"}}},
		{Name: "slow", Type: "latency", Latency: &LatencyPolicy{ThresholdMs: s.SlowThresholdMs}},
		{Name: "baseline", Type: "probabilistic", Probabilistic: &ProbabilisticPolicy{SamplingPercentage: s.BaselinePercent}},
	}
}

// SamplerValues are the sampler tier's: it holds every span of a trace
// (the gateway routes by trace ID), decides, and exports the kept
// traces to Tempo and X-Ray.
func SamplerValues(a TracingArgs) CollectorValues {
	v := collectorBase(SamplerRelease, a.CollectorReplicas, resources("500m", "1Gi", "2Gi"), map[string]Port{"otlp": otlpGRPCPort()})
	v.ServiceAccount = CollectorServiceAccount{Create: true, Name: SamplerRelease, AutomountServiceAccountToken: false}
	v.Service.ClusterIP = "None"
	v.AlternateConfig = CollectorConfig{
		Extensions: map[string]any{"health_check": healthCheck()},
		Receivers:  map[string]any{"otlp": OTLPReceiver{Protocols: OTLPProtocols{GRPC: &Endpoint{listen(OTLPGRPCPort)}}}},
		Processors: map[string]any{
			"memory_limiter": memoryLimiter(),
			"tail_sampling": TailSampling{
				DecisionWait: strconv.Itoa(decisionWaitMs/1000) + "s", NumTraces: 50000,
				DecisionCache: DecisionCache{SampledCacheSize: sampledCacheSize},
				Policies:      Policies(a.Sampling),
			},
			// After tail_sampling, which regroups spans by trace.
			"batch": batch(),
		},
		Exporters: map[string]any{
			"otlp_grpc/tempo": OTLPExporter{Endpoint: TempoDistributor, TLS: TLSClient{Insecure: true}},
			"awsxray":         AWSXRay{Region: a.Namer.Region, LocalMode: true, Telemetry: Enabled{true}},
		},
		Service: CollectorPipeline{
			Extensions: []string{"health_check"},
			Telemetry:  telemetry(),
			Pipelines: map[string]Pipeline{"traces": {
				Receivers:  []string{"otlp"},
				Processors: []string{"memory_limiter", "tail_sampling", "batch"},
				Exporters:  []string{"otlp_grpc/tempo", "awsxray"},
			}},
		},
	}
	return v
}

// --- tempo-distributed ---

// TempoValues are the tempo-distributed chart's.
type TempoValues struct {
	// FullnameOverride names every object tempo-<component>.
	FullnameOverride string `json:"fullnameOverride"`
	// ReportingEnabled off: no usage report leaves the cluster.
	ReportingEnabled bool                  `json:"reportingEnabled"`
	Tempo            TempoCommon           `json:"tempo"`
	ServiceAccount   addons.ServiceAccount `json:"serviceAccount"`
	Traces           TempoTraces           `json:"traces"`
	Distributor      TempoComponent        `json:"distributor"`
	Ingester         TempoIngester         `json:"ingester"`
	Querier          TempoComponent        `json:"querier"`
	QueryFrontend    TempoComponent        `json:"queryFrontend"`
	Compactor        TempoCompactor        `json:"compactor"`
	Memcached        TempoComponent        `json:"memcached"`
	Storage          TempoStorage          `json:"storage"`
	MetaMonitoring   TempoMetaMonitoring   `json:"metaMonitoring"`
}

// TempoCommon applies to every Tempo container (and memcached's).
type TempoCommon struct {
	Image              TempoImage             `json:"image"`
	SecurityContext    addons.SecurityContext `json:"securityContext"`
	PodSecurityContext PodSecurityContext     `json:"podSecurityContext"`
}

// TempoImage pins the tag.
type TempoImage struct {
	Tag string `json:"tag"`
}

// TempoTraces are the distributor's receivers: OTLP gRPC only, from the
// sampler.
type TempoTraces struct {
	OTLP TempoOTLP `json:"otlp"`
}

// TempoOTLP switches the OTLP receivers.
type TempoOTLP struct {
	GRPC Enabled `json:"grpc"`
	HTTP Enabled `json:"http"`
}

// TempoComponent is a stateless component: replicas, resources and the
// chart's PodDisruptionBudget (rendered when replicas > 1).
type TempoComponent struct {
	Replicas            int              `json:"replicas"`
	Resources           addons.Resources `json:"resources"`
	MaxUnavailable      int              `json:"maxUnavailable"`
	PodDisruptionBudget Enabled          `json:"podDisruptionBudget"`
}

// TempoIngester holds recent traces and the WAL; the chart's PDB keeps a
// write quorum (replicas - (replication_factor/2 + 1) unavailable).
type TempoIngester struct {
	Replicas            int              `json:"replicas"`
	Resources           addons.Resources `json:"resources"`
	PodDisruptionBudget Enabled          `json:"podDisruptionBudget"`
	// TopologySpreadConstraints is a template string in this chart.
	TopologySpreadConstraints string           `json:"topologySpreadConstraints"`
	Persistence               TempoPersistence `json:"persistence"`
	Config                    IngesterConfig   `json:"config"`
}

// TempoPersistence is the ingesters' WAL volume.
type TempoPersistence struct {
	Enabled      bool   `json:"enabled"`
	Size         string `json:"size"`
	StorageClass string `json:"storageClass"`
}

// IngesterConfig replicates every trace to three ingesters.
type IngesterConfig struct {
	ReplicationFactor int `json:"replication_factor"`
}

// TempoCompactor compacts blocks and deletes them after BlockRetention.
type TempoCompactor struct {
	Replicas  int              `json:"replicas"`
	Resources addons.Resources `json:"resources"`
	Config    CompactorConfig  `json:"config"`
}

// CompactorConfig is the compactor's section.
type CompactorConfig struct {
	Compaction Compaction `json:"compaction"`
}

// Compaction sets the retention.
type Compaction struct {
	BlockRetention string `json:"block_retention"`
}

// TempoStorage is where blocks go.
type TempoStorage struct {
	Trace TraceStorage `json:"trace"`
}

// TraceStorage is the S3 backend.
type TraceStorage struct {
	Backend string `json:"backend"`
	S3      S3     `json:"s3"`
}

// S3 is Tempo's S3 backend. There are no access_key/secret_key fields:
// credentials come from Pod Identity (the minio client's credential chain
// reads AWS_CONTAINER_CREDENTIALS_FULL_URI).
type S3 struct {
	Bucket   string `json:"bucket"`
	Endpoint string `json:"endpoint"`
	Region   string `json:"region"`
	Insecure bool   `json:"insecure"`
	SSE      SSE    `json:"sse"`
}

// SSE is server-side encryption of every object Tempo writes.
type SSE struct {
	Type     string `json:"type"`
	KMSKeyID string `json:"kms_key_id"`
}

// TempoMetaMonitoring creates ServiceMonitors for Prometheus.
type TempoMetaMonitoring struct {
	ServiceMonitor Enabled `json:"serviceMonitor"`
}

// ingesterSpread is the chart's default constraint with zones enforced:
// the three copies of a trace land in three zones.
const ingesterSpread = `- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: DoNotSchedule
  labelSelector:
    matchLabels:
      {{- include "tempo.selectorLabels" (dict "ctx" . "component" "ingester") | nindent 6 }}
`

// Values' refs, resolved by ValuesMap.
const (
	refBucket = "tracesBucket"
	refKey    = "tracesKmsKeyArn"
)

// TempoValuesFor are the Tempo release's values.
func TempoValuesFor(a TracingArgs) TempoValues {
	stateless := func(replicas int, res addons.Resources) TempoComponent {
		return TempoComponent{Replicas: replicas, Resources: res, MaxUnavailable: 1, PodDisruptionBudget: Enabled{true}}
	}
	return TempoValues{
		FullnameOverride: TempoRelease, ReportingEnabled: false,
		Tempo: TempoCommon{
			Image: TempoImage{Tag: TempoImageTag},
			// The chart's user and group (1000), restricted.
			SecurityContext:    restricted(1000),
			PodSecurityContext: PodSecurityContext{RunAsNonRoot: true, FSGroup: 1000, SeccompProfile: addons.SeccompProfile{Type: "RuntimeDefault"}},
		},
		ServiceAccount: addons.ServiceAccount{Create: true, Name: TempoRelease},
		Traces:         TempoTraces{OTLP: TempoOTLP{GRPC: Enabled{true}, HTTP: Enabled{false}}},
		Distributor:    stateless(2, resources("200m", "512Mi", "1Gi")),
		Ingester: TempoIngester{
			Replicas: a.TempoReplicas, Resources: resources("500m", "2Gi", "4Gi"),
			PodDisruptionBudget:       Enabled{true},
			TopologySpreadConstraints: ingesterSpread,
			Persistence:               TempoPersistence{Enabled: true, Size: strconv.Itoa(a.WALVolumeGi) + "Gi", StorageClass: a.StorageClass},
			Config:                    IngesterConfig{ReplicationFactor: 3},
		},
		Querier:       stateless(2, resources("200m", "512Mi", "2Gi")),
		QueryFrontend: stateless(2, resources("100m", "256Mi", "512Mi")),
		// One compactor: it works through the blocks alone, and a restart
		// only delays compaction.
		Compactor: TempoCompactor{
			Replicas: 1, Resources: resources("200m", "1Gi", "2Gi"),
			Config: CompactorConfig{Compaction: Compaction{BlockRetention: strconv.Itoa(a.retentionHours()) + "h"}},
		},
		// The query cache: losing it only slows searches.
		Memcached: stateless(2, resources("50m", "96Mi", "128Mi")),
		Storage: TempoStorage{Trace: TraceStorage{Backend: "s3", S3: S3{
			Bucket: addons.Ref(refBucket), Endpoint: "s3." + a.Namer.Region + ".amazonaws.com", Region: a.Namer.Region,
			Insecure: false, SSE: SSE{Type: "SSE-KMS", KMSKeyID: addons.Ref(refKey)},
		}}},
		MetaMonitoring: TempoMetaMonitoring{ServiceMonitor: Enabled{true}},
	}
}
