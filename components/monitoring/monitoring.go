// Package monitoring owns the cluster's metrics and paging:
// kube-prometheus-stack as a pinned Helm release in the monitoring
// namespace (Prometheus spread over zones on encrypted volumes,
// Alertmanager routing by severity to PagerDuty, Grafana with its
// dashboards sidecar), the credentials it needs as ExternalSecrets from
// Secrets Manager (never values), and the platform's and the services'
// rules (internal/promrules) as PrometheusRule objects.
package monitoring

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/addons"
	"platform/internal/promrules"
)

// Namespace is where the stack runs; NodeAgents where node-exporter runs.
const (
	Namespace  = "monitoring"
	NodeAgents = "logging"
	Release    = "kube-prometheus-stack"
)

// MonitoringArgs configure monitoring for one cluster.
type MonitoringArgs struct {
	Chart addons.Chart
	// Cluster and Stack are the external labels of every series.
	Cluster pulumi.StringInput
	Stack   string
	// StorageClass of the volumes (the encrypted gp3 class).
	StorageClass string
	// Prometheus sizing: Retention ("15d"), RetentionSizeGi below VolumeGi.
	PrometheusReplicas, VolumeGi, RetentionSizeGi int
	Retention                                     string
	AlertmanagerReplicas, GrafanaVolumeGi         int
	// PagerDutySecret and GrafanaAdminSecret are Secrets Manager secret
	// names, read by External Secrets through SecretStore.
	PagerDutySecret, GrafanaAdminSecret, SecretStore string
	// Rules are shipped as PrometheusRules, one per group set; each alert
	// must link a runbook under Runbooks.
	Rules    map[string][]promrules.Group
	Runbooks promrules.Runbooks
	// Dashboards are Grafana dashboards (JSON) by name, shipped as
	// ConfigMaps the sidecar loads.
	Dashboards map[string]string
	// DataSources are Grafana's besides Prometheus (Loki, Tempo).
	DataSources []DataSource
	// DependsOn: the namespace, External Secrets and the storage class.
	DependsOn []pulumi.Resource
}

var (
	retention = regexp.MustCompile(`^[0-9]+(d|w|y)$`)
	k8sName   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// Validate reports every problem with its field path.
func (a MonitoringArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, e := range addons.ValidateChart(a.Chart) {
		add("chart.%s: %s", e.Path, e.Message)
	}
	if a.PrometheusReplicas < 2 {
		add("prometheusReplicas: at least 2, spread over zones, got %d", a.PrometheusReplicas)
	}
	if !retention.MatchString(a.Retention) {
		add("retention: a duration in days, weeks or years such as 15d, got %q", a.Retention)
	}
	if a.RetentionSizeGi < 1 || a.RetentionSizeGi >= a.VolumeGi {
		add("retentionSizeGi: must be below volumeGi (%d) so the volume never fills, got %d", a.VolumeGi, a.RetentionSizeGi)
	}
	if a.AlertmanagerReplicas < 2 {
		add("alertmanagerReplicas: at least 2, got %d", a.AlertmanagerReplicas)
	}
	if a.GrafanaVolumeGi < 1 {
		add("grafanaVolumeGi: at least 1, got %d", a.GrafanaVolumeGi)
	}
	if a.PagerDutySecret == "" {
		add("pagerDutySecret: page alerts need a receiver: name the Secrets Manager secret of the routing keys")
	}
	if a.GrafanaAdminSecret == "" || a.SecretStore == "" || a.StorageClass == "" || a.Stack == "" || a.Cluster == nil {
		add("grafanaAdminSecret, secretStore, storageClass, stack, cluster: are required")
	}
	for _, p := range Alertmanager().Validate() {
		add("alertmanager.%s", p)
	}
	uids := map[string]bool{}
	for i, d := range a.DataSources {
		if d.Name == "" || d.Type == "" || !k8sName.MatchString(d.UID) || uids[d.UID] || !strings.HasPrefix(d.URL, "http://") {
			add("dataSources[%d]: a name, a type, a unique uid and the in-cluster http URL", i)
		}
		uids[d.UID] = true
	}
	for name, d := range a.Dashboards {
		if !k8sName.MatchString(name) || !json.Valid([]byte(d)) {
			add("dashboards[%s]: a Kubernetes name and a JSON dashboard", name)
		}
	}
	for name, groups := range a.Rules {
		if !k8sName.MatchString(name) {
			add("rules[%s]: must be a Kubernetes name", name)
		}
		if err := (promrules.File{Groups: groups}).Validate(a.Runbooks); err != nil {
			add("rules[%s]: %w", name, err)
		}
	}
	return errors.Join(errs...)
}

// Monitoring is the cluster's monitoring.
type Monitoring struct {
	pulumi.ResourceState
}

// NewMonitoring installs the stack, its secrets and the rules. Pass the
// cluster's Kubernetes provider in opts.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if args == nil {
		args = &MonitoringArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("monitoring %s: %w", name, err)
	}
	a := *args
	m := &Monitoring{}
	if err := ctx.RegisterComponentResourceV2("platform:monitoring:Monitoring", name, nil, m, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(m)
	fail := func(err error) (*Monitoring, error) { return nil, fmt.Errorf("monitoring %s: %w", name, err) }
	after := pulumi.DependsOn(a.DependsOn)

	// The credentials, from Secrets Manager: the routing keys as the
	// files Alertmanager reads, Grafana's admin as the Secret it reads.
	keys, err := externalSecret(ctx, name+"-pagerduty", a, keysSecret, a.PagerDutySecret,
		map[string]string{"page": "page", "ticket": "ticket"}, parent, after)
	if err != nil {
		return fail(err)
	}
	admin, err := externalSecret(ctx, name+"-grafana-admin", a, "grafana-admin", a.GrafanaAdminSecret,
		map[string]string{"admin-user": "user", "admin-password": "password"}, parent, after)
	if err != nil {
		return fail(err)
	}
	values, err := toValues(Values(a), a.Cluster)
	if err != nil {
		return fail(err)
	}
	release, err := addons.NewRelease(ctx, name, addons.Release{
		Name: Release, Chart: Release, Namespace: Namespace, Pinned: a.Chart, Values: values, TimeoutSeconds: 900,
	}, parent, pulumi.DependsOn(append([]pulumi.Resource{keys, admin}, a.DependsOn...)))
	if err != nil {
		return fail(err)
	}
	for _, set := range sortedKeys(a.Rules) {
		spec, err := toMap(promrules.File{Groups: a.Rules[set]})
		if err != nil {
			return fail(err)
		}
		if _, err := apiextensions.NewCustomResource(ctx, name+"-rules-"+set, &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String("monitoring.coreos.com/v1"),
			Kind:        pulumi.String("PrometheusRule"),
			Metadata:    &metav1.ObjectMetaArgs{Name: pulumi.String(set), Namespace: pulumi.String(Namespace)},
			OtherFields: map[string]any{"spec": spec},
		}, parent, pulumi.DependsOn([]pulumi.Resource{release})); err != nil {
			return fail(err)
		}
	}
	for _, d := range sortedKeys(a.Dashboards) {
		if _, err := corev1.NewConfigMap(ctx, name+"-dashboard-"+d, &corev1.ConfigMapArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name: pulumi.String("dashboard-" + d), Namespace: pulumi.String(Namespace),
				Labels: pulumi.StringMap{DashboardLabel: pulumi.String("1")},
			},
			Data: pulumi.StringMap{d + ".json": pulumi.String(a.Dashboards[d])},
		}, parent, after); err != nil {
			return fail(err)
		}
	}
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{})
}

// externalSecret makes a Secret in the monitoring namespace from JSON
// properties of a Secrets Manager secret: the value never passes through
// this program.
func externalSecret(ctx *pulumi.Context, name string, a MonitoringArgs, target, remote string, keys map[string]string, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	var data []any
	for _, k := range sortedKeys(keys) {
		data = append(data, map[string]any{"secretKey": k, "remoteRef": map[string]any{"key": remote, "property": keys[k]}})
	}
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("external-secrets.io/v1"),
		Kind:       pulumi.String("ExternalSecret"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(target), Namespace: pulumi.String(Namespace)},
		OtherFields: map[string]any{"spec": map[string]any{
			"refreshInterval": "1h",
			"secretStoreRef":  map[string]any{"kind": "ClusterSecretStore", "name": a.SecretStore},
			"target":          map[string]any{"name": target, "creationPolicy": "Owner"},
			"data":            data,
		}},
	}, opts...)
}

func itoa(i int) string { return strconv.Itoa(i) }

// Values are the release's typed values.
func Values(a MonitoringArgs) StackValues {
	spread := func(name string) []addons.SpreadConstraint {
		return []addons.SpreadConstraint{{
			MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: "DoNotSchedule",
			LabelSelector: addons.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": name}},
		}}
	}
	off := map[string]bool{
		"etcd": false, "kubeControllerManager": false, "kubeSchedulerAlerting": false, "kubeSchedulerRecording": false,
		"kubeProxy": false, "windows": false,
	}
	return StackValues{
		DefaultRules: DefaultRules{Create: true, Rules: off},
		KubeEtcd:     Enabled{false}, KubeScheduler: Enabled{false}, KubeControllerManager: Enabled{false}, KubeProxy: Enabled{false},
		Prometheus: PrometheusValues{
			PrometheusSpec: PrometheusSpec{
				Replicas: a.PrometheusReplicas, EvaluationInterval: "1m", Retention: a.Retention, RetentionSize: itoa(a.RetentionSizeGi) + "GiB",
				ExternalLabels: map[string]string{"cluster": addons.Ref("cluster"), "stack": a.Stack},
				StorageSpec:    claim(a.StorageClass, a.VolumeGi),
				Resources: addons.Resources{
					Requests: map[string]string{"cpu": "500m", "memory": "4Gi"}, Limits: map[string]string{"memory": "8Gi"},
				},
				TopologySpreadConstraints:               spread("prometheus"),
				RuleSelectorNilUsesHelmValues:           false,
				ServiceMonitorSelectorNilUsesHelmValues: false,
				PodMonitorSelectorNilUsesHelmValues:     false,
				ProbeSelectorNilUsesHelmValues:          false,
				ScrapeConfigSelectorNilUsesHelmValues:   false,
			},
			PodDisruptionBudget: PodDisruptionBudget{Enabled: true, MinAvailable: 1},
		},
		Alertmanager: AlertmanagerValue{
			Config: Alertmanager(),
			AlertmanagerSpec: AlertmanagerSpec{
				Replicas: a.AlertmanagerReplicas, Secrets: []string{keysSecret},
				Storage:   claim(a.StorageClass, 5),
				Resources: addons.Resources{Requests: map[string]string{"cpu": "50m", "memory": "128Mi"}, Limits: map[string]string{"memory": "256Mi"}},
				// Strictly over zones with 3 replicas in 3 zones.
				TopologySpreadConstraints: spread("alertmanager"),
			},
			PodDisruptionBudget: PodDisruptionBudget{Enabled: true, MinAvailable: a.AlertmanagerReplicas/2 + 1},
		},
		Grafana: GrafanaValues{
			Persistence:           GrafanaPersistence{Enabled: true, Type: "pvc", StorageClassName: a.StorageClass, Size: gi2s(a.GrafanaVolumeGi)},
			InitChownData:         Enabled{false},
			Admin:                 GrafanaAdmin{ExistingSecret: "grafana-admin", UserKey: "admin-user", PasswordKey: "admin-password"},
			Sidecar:               GrafanaSidecar{Dashboards: SidecarDashboards{Enabled: true, Label: DashboardLabel, LabelValue: "1", SearchNamespace: "ALL"}},
			Resources:             addons.Resources{Requests: map[string]string{"cpu": "100m", "memory": "256Mi"}, Limits: map[string]string{"memory": "512Mi"}},
			AdditionalDataSources: a.DataSources,
		},
		NodeExporter: NodeExporter{NamespaceOverride: NodeAgents},
	}
}

// DashboardLabel marks the ConfigMaps the Grafana sidecar loads.
const DashboardLabel = "grafana_dashboard"

func toValues(v StackValues, cluster pulumi.StringInput) (pulumi.Map, error) {
	return addons.ValuesMap(v, map[string]pulumi.StringInput{"cluster": cluster})
}

// toMap is a rule file as the plain map a custom resource's spec takes.
func toMap(f promrules.File) (map[string]any, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
