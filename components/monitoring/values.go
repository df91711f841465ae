package monitoring

import "platform/components/addons"

// kube-prometheus-stack's values, as typed structs: only the keys the
// platform sets (the chart's values.yaml of the pinned version names
// them); the chart's defaults hold for the rest.

// StackValues are the chart's top-level values.
type StackValues struct {
	DefaultRules          DefaultRules      `json:"defaultRules"`
	KubeEtcd              Enabled           `json:"kubeEtcd"`
	KubeScheduler         Enabled           `json:"kubeScheduler"`
	KubeControllerManager Enabled           `json:"kubeControllerManager"`
	KubeProxy             Enabled           `json:"kubeProxy"`
	Prometheus            PrometheusValues  `json:"prometheus"`
	Alertmanager          AlertmanagerValue `json:"alertmanager"`
	Grafana               GrafanaValues     `json:"grafana"`
	NodeExporter          NodeExporter      `json:"prometheus-node-exporter"`
}

// Enabled is {enabled: ...}.
type Enabled struct {
	Enabled bool `json:"enabled"`
}

// DefaultRules keeps the chart's rules but the groups EKS cannot serve:
// the control plane's etcd, scheduler and controller manager are AWS's
// and not scraped; kube-proxy serves its metrics on localhost only;
// there are no Windows nodes.
type DefaultRules struct {
	Create bool            `json:"create"`
	Rules  map[string]bool `json:"rules"`
}

// PodDisruptionBudget switched on in the chart.
type PodDisruptionBudget struct {
	Enabled      bool `json:"enabled"`
	MinAvailable int  `json:"minAvailable"`
}

// PrometheusValues are prometheus.*.
type PrometheusValues struct {
	PrometheusSpec      PrometheusSpec      `json:"prometheusSpec"`
	PodDisruptionBudget PodDisruptionBudget `json:"podDisruptionBudget"`
}

// PrometheusSpec is the Prometheus resource's spec.
type PrometheusSpec struct {
	Replicas int `json:"replicas"`
	// EvaluationInterval is one minute: the SLO windows and the MTTR
	// record (promrules.Operations) count in minutes.
	EvaluationInterval string            `json:"evaluationInterval"`
	Retention          string            `json:"retention"`
	RetentionSize      string            `json:"retentionSize"`
	ExternalLabels     map[string]string `json:"externalLabels"`
	StorageSpec        Storage           `json:"storageSpec"`
	Resources          addons.Resources  `json:"resources"`
	// Spread over zones: a zone's loss keeps one replica.
	TopologySpreadConstraints []addons.SpreadConstraint `json:"topologySpreadConstraints"`
	// Rules and monitors from every namespace, whatever their labels:
	// the services' PrometheusRules and ServiceMonitors live with them.
	RuleSelectorNilUsesHelmValues           bool `json:"ruleSelectorNilUsesHelmValues"`
	ServiceMonitorSelectorNilUsesHelmValues bool `json:"serviceMonitorSelectorNilUsesHelmValues"`
	PodMonitorSelectorNilUsesHelmValues     bool `json:"podMonitorSelectorNilUsesHelmValues"`
	ProbeSelectorNilUsesHelmValues          bool `json:"probeSelectorNilUsesHelmValues"`
	ScrapeConfigSelectorNilUsesHelmValues   bool `json:"scrapeConfigSelectorNilUsesHelmValues"`
}

// Storage is a volume claim template.
type Storage struct {
	VolumeClaimTemplate ClaimTemplate `json:"volumeClaimTemplate"`
}

// ClaimTemplate is a PVC template.
type ClaimTemplate struct {
	Spec ClaimSpec `json:"spec"`
}

// ClaimSpec is a PVC's spec.
type ClaimSpec struct {
	StorageClassName string         `json:"storageClassName"`
	AccessModes      []string       `json:"accessModes"`
	Resources        ClaimResources `json:"resources"`
}

// ClaimResources request the volume's size.
type ClaimResources struct {
	Requests map[string]string `json:"requests"`
}

func claim(class string, gi int) Storage {
	return Storage{VolumeClaimTemplate: ClaimTemplate{Spec: ClaimSpec{
		StorageClassName: class, AccessModes: []string{"ReadWriteOnce"},
		Resources: ClaimResources{Requests: map[string]string{"storage": gi2s(gi)}},
	}}}
}

// AlertmanagerValue is alertmanager.*.
type AlertmanagerValue struct {
	Config              AlertmanagerConfig  `json:"config"`
	AlertmanagerSpec    AlertmanagerSpec    `json:"alertmanagerSpec"`
	PodDisruptionBudget PodDisruptionBudget `json:"podDisruptionBudget"`
}

// AlertmanagerSpec is the Alertmanager resource's spec.
type AlertmanagerSpec struct {
	Replicas int `json:"replicas"`
	// Secrets are mounted at /etc/alertmanager/secrets/<name>.
	Secrets                   []string                  `json:"secrets"`
	Storage                   Storage                   `json:"storage"`
	Resources                 addons.Resources          `json:"resources"`
	TopologySpreadConstraints []addons.SpreadConstraint `json:"topologySpreadConstraints"`
}

// GrafanaValues are the grafana subchart's.
type GrafanaValues struct {
	Persistence GrafanaPersistence `json:"persistence"`
	// InitChownData off: the chart's init container chowns the volume as
	// root, which the monitoring namespace's restricted level refuses; the
	// pod's fsGroup gives Grafana the volume.
	InitChownData Enabled          `json:"initChownData"`
	Admin         GrafanaAdmin     `json:"admin"`
	Sidecar       GrafanaSidecar   `json:"sidecar"`
	Resources     addons.Resources `json:"resources"`
	// AdditionalDataSources: Loki and Tempo, next to the chart's
	// Prometheus.
	AdditionalDataSources []DataSource `json:"additionalDataSources,omitempty"`
}

// DataSource is a Grafana data source as provisioning reads it.
type DataSource struct {
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	UID       string         `json:"uid"`
	URL       string         `json:"url"`
	Access    string         `json:"access"`
	IsDefault bool           `json:"isDefault"`
	JSONData  map[string]any `json:"jsonData,omitempty"`
}

// GrafanaPersistence keeps dashboards' state and users on a volume.
type GrafanaPersistence struct {
	Enabled          bool   `json:"enabled"`
	Type             string `json:"type"`
	StorageClassName string `json:"storageClassName"`
	Size             string `json:"size"`
}

// GrafanaAdmin takes the admin credentials from an existing Secret.
type GrafanaAdmin struct {
	ExistingSecret string `json:"existingSecret"`
	UserKey        string `json:"userKey"`
	PasswordKey    string `json:"passwordKey"`
}

// GrafanaSidecar loads dashboards from labelled ConfigMaps of every
// namespace.
type GrafanaSidecar struct {
	Dashboards SidecarDashboards `json:"dashboards"`
}

// SidecarDashboards is the dashboards sidecar.
type SidecarDashboards struct {
	Enabled         bool   `json:"enabled"`
	Label           string `json:"label"`
	LabelValue      string `json:"labelValue"`
	SearchNamespace string `json:"searchNamespace"`
}

// NodeExporter runs in the node agents' namespace: it needs the host's
// network, PID namespace and file systems, which the monitoring
// namespace's restricted level refuses.
type NodeExporter struct {
	NamespaceOverride string `json:"namespaceOverride"`
}

func gi2s(gi int) string { return itoa(gi) + "Gi" }
