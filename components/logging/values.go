package logging

import (
	"fmt"

	"platform/components/addons"
)

// The releases' typed values. Every key was read from the pinned chart's
// values.yaml and templates: loki 7.3.0 (grafana/loki,
// production/helm/loki) and fluent-bit 0.58.1 (fluent/helm-charts).

// LokiValues are the loki chart's.
type LokiValues struct {
	DeploymentMode string       `json:"deploymentMode"`
	Loki           LokiConfig   `json:"loki"`
	SingleBinary   SingleBinary `json:"singleBinary"`
	// The simple-scalable targets are off in SingleBinary mode (the
	// chart refuses both at once).
	Read    Replicas `json:"read"`
	Write   Replicas `json:"write"`
	Backend Replicas `json:"backend"`
	// Memcached caches: off. At our volume the binary's embedded cache
	// serves; the chart's default chunks cache asks 8 GiB per replica.
	ChunksCache  addons.Enabled `json:"chunksCache"`
	ResultsCache addons.Enabled `json:"resultsCache"`
	// The nginx gateway only adds tenancy we do not use.
	Gateway addons.Enabled `json:"gateway"`
	// The canary DaemonSet and the Helm test it serves: the platform's
	// log-ingestion alert watches the same thing.
	LokiCanary addons.Enabled `json:"lokiCanary"`
	Test       addons.Enabled `json:"test"`
	Minio      addons.Enabled `json:"minio"`
	// The ruler's rules come from ConfigMaps labelled RuleLabel.
	Sidecar             LokiSidecar           `json:"sidecar"`
	ServiceAccount      addons.ServiceAccount `json:"serviceAccount"`
	PodDisruptionBudget addons.MaxUnavailable `json:"podDisruptionBudget"`
}

// Replicas of one chart target.
type Replicas struct {
	Replicas int `json:"replicas"`
}

// LokiConfig is the chart's loki block: Loki's own configuration.
type LokiConfig struct {
	AuthEnabled  bool                   `json:"auth_enabled"`
	CommonConfig CommonConfig           `json:"commonConfig"`
	Storage      LokiStorage            `json:"storage"`
	SchemaConfig SchemaConfig           `json:"schemaConfig"`
	LimitsConfig LokiLimits             `json:"limits_config"`
	Compactor    Compactor              `json:"compactor"`
	RulerConfig  RulerConfig            `json:"rulerConfig"`
	PodSecurity  PodSecurity            `json:"podSecurityContext"`
	ContainerSC  addons.SecurityContext `json:"containerSecurityContext"`
}

// CommonConfig: every stream is written to three replicas.
type CommonConfig struct {
	ReplicationFactor int    `json:"replication_factor"`
	PathPrefix        string `json:"path_prefix"`
}

// LokiStorage is where chunks, the index and the ruler's state go.
type LokiStorage struct {
	Type        string      `json:"type"`
	BucketNames BucketNames `json:"bucketNames"`
	S3          LokiS3      `json:"s3"`
}

// BucketNames: one bucket of ours for everything (prefixes separate them).
type BucketNames struct {
	Chunks string `json:"chunks"`
	Ruler  string `json:"ruler"`
	Admin  string `json:"admin"`
}

// LokiS3 is the S3 client's: the region's endpoint, the bucket's KMS key
// for every object, and no static credentials (Pod Identity).
type LokiS3 struct {
	Region string `json:"region"`
	SSE    SSE    `json:"sse"`
}

// SSE is Loki's server-side encryption setting.
type SSE struct {
	Type     string `json:"type"`
	KMSKeyID string `json:"kms_key_id"`
}

// SchemaConfig: TSDB index, schema v13, daily tables.
type SchemaConfig struct {
	Configs []Schema `json:"configs"`
}

// Schema is one schema period.
type Schema struct {
	From        string      `json:"from"`
	Store       string      `json:"store"`
	ObjectStore string      `json:"object_store"`
	Schema      string      `json:"schema"`
	Index       SchemaIndex `json:"index"`
}

// SchemaIndex names the index tables.
type SchemaIndex struct {
	Prefix string `json:"prefix"`
	Period string `json:"period"`
}

// LokiLimits: retention_period is the application logs' retention,
// enforced by the compactor.
type LokiLimits struct {
	RetentionPeriod        string `json:"retention_period"`
	RejectOldSamples       bool   `json:"reject_old_samples"`
	RejectOldSamplesMaxAge string `json:"reject_old_samples_max_age"`
}

// Compactor deletes what is past retention.
type Compactor struct {
	RetentionEnabled     bool   `json:"retention_enabled"`
	DeleteRequestStore   string `json:"delete_request_store"`
	RetentionDeleteDelay string `json:"retention_delete_delay"`
	WorkingDirectory     string `json:"working_directory"`
}

// RulerConfig: log-based alerts go to the platform's Alertmanager.
type RulerConfig struct {
	AlertmanagerURL string            `json:"alertmanager_url"`
	EnableAPI       bool              `json:"enable_api"`
	Storage         RulerStore        `json:"storage"`
	RulePath        string            `json:"rule_path"`
	WAL             RulerWAL          `json:"wal"`
	ExternalLabels  map[string]string `json:"external_labels"`
}

// RulerStore reads the rules the sidecar writes.
type RulerStore struct {
	Type  string     `json:"type"`
	Local RulerLocal `json:"local"`
}

// RulerLocal is the rules directory (one folder per tenant).
type RulerLocal struct {
	Directory string `json:"directory"`
}

// RulerWAL is where the ruler keeps its write-ahead log.
type RulerWAL struct {
	Dir string `json:"dir"`
}

// PodSecurity is a pod's security context.
type PodSecurity struct {
	RunAsNonRoot        bool                  `json:"runAsNonRoot"`
	RunAsUser           int                   `json:"runAsUser,omitempty"`
	RunAsGroup          int                   `json:"runAsGroup,omitempty"`
	FSGroup             int                   `json:"fsGroup,omitempty"`
	FSGroupChangePolicy string                `json:"fsGroupChangePolicy,omitempty"`
	SeccompProfile      addons.SeccompProfile `json:"seccompProfile"`
}

// SingleBinary is the monolithic target: replicas over the zones, each
// with a WAL volume.
type SingleBinary struct {
	Replicas                  int                       `json:"replicas"`
	Resources                 addons.Resources          `json:"resources"`
	Persistence               LokiPersistence           `json:"persistence"`
	TopologySpreadConstraints []addons.SpreadConstraint `json:"topologySpreadConstraints"`
}

// LokiPersistence is the WAL's volume.
type LokiPersistence struct {
	Enabled      bool   `json:"enabled"`
	Size         string `json:"size"`
	StorageClass string `json:"storageClass"`
}

// LokiSidecar loads rule ConfigMaps.
type LokiSidecar struct {
	Rules           SidecarRules           `json:"rules"`
	Resources       addons.Resources       `json:"resources"`
	SecurityContext addons.SecurityContext `json:"securityContext"`
}

// SidecarRules: ConfigMaps labelled Label, written into Folder.
type SidecarRules struct {
	Enabled         bool   `json:"enabled"`
	Label           string `json:"label"`
	Folder          string `json:"folder"`
	SearchNamespace string `json:"searchNamespace"`
}

// FluentBitValues are the fluent-bit chart's.
type FluentBitValues struct {
	Kind               string                `json:"kind"`
	Image              Image                 `json:"image"`
	TestFramework      addons.Enabled        `json:"testFramework"`
	ServiceAccount     addons.ServiceAccount `json:"serviceAccount"`
	RBAC               FluentBitRBAC         `json:"rbac"`
	PodSecurityContext PodSecurity           `json:"podSecurityContext"`
	SecurityContext    FluentBitSecurity     `json:"securityContext"`
	Resources          addons.Resources      `json:"resources"`
	// Every node, the spot ones included.
	Tolerations           []addons.Toleration `json:"tolerations"`
	PriorityClassName     string              `json:"priorityClassName"`
	Env                   []addons.EnvVar     `json:"env"`
	Config                FluentBitConfig     `json:"config"`
	DaemonSetVolumes      []HostVolume        `json:"daemonSetVolumes"`
	DaemonSetVolumeMounts []VolumeMount       `json:"daemonSetVolumeMounts"`
	ServiceMonitor        addons.Enabled      `json:"serviceMonitor"`
}

// Image pins a container image.
type Image struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
}

// FluentBitRBAC: read pods and namespaces for the metadata.
type FluentBitRBAC struct {
	Create     bool `json:"create"`
	NodeAccess bool `json:"nodeAccess"`
}

// FluentBitSecurity: root (the node's log files are root's, mode 0640),
// but with no capability, no escalation and a read-only root.
type FluentBitSecurity struct {
	RunAsUser                int                   `json:"runAsUser"`
	RunAsNonRoot             bool                  `json:"runAsNonRoot"`
	AllowPrivilegeEscalation bool                  `json:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   bool                  `json:"readOnlyRootFilesystem"`
	Capabilities             addons.Capabilities   `json:"capabilities"`
	SeccompProfile           addons.SeccompProfile `json:"seccompProfile"`
}

// FluentBitConfig is the pipeline, in Fluent Bit's classic format.
type FluentBitConfig struct {
	Service string `json:"service"`
	Inputs  string `json:"inputs"`
	Filters string `json:"filters"`
	Outputs string `json:"outputs"`
}

// HostVolume is a hostPath volume.
type HostVolume struct {
	Name     string   `json:"name"`
	HostPath HostPath `json:"hostPath"`
}

// HostPath is a node directory.
type HostPath struct {
	Path string `json:"path"`
	Type string `json:"type,omitempty"`
}

// VolumeMount mounts a volume.
type VolumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
}

func gi(n int) string { return fmt.Sprintf("%dGi", n) }
