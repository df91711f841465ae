package monitoring

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/components/addons"
	"platform/internal/plan"
	"platform/internal/plantest"
	"platform/internal/promrules"
)

var runbooks = promrules.Runbooks{Base: "https://github.com/example-fintech/platform/blob/main/docs/runbooks/"}

func baseArgs() *MonitoringArgs {
	slo := promrules.HTTPService("mita-backend", 99.9, 95, "0.5")
	var sloGroups []promrules.Group
	for _, s := range slo {
		sloGroups = append(sloGroups, s.Groups(runbooks)...)
	}
	return &MonitoringArgs{
		Chart:   addons.Chart{Repository: "https://prometheus-community.github.io/helm-charts", Version: "88.5.3"},
		Cluster: pulumi.String("platform-prod-use1-eks"), Stack: "production", StorageClass: "gp3",
		PrometheusReplicas: 2, VolumeGi: 100, RetentionSizeGi: 85, Retention: "15d",
		AlertmanagerReplicas: 3, GrafanaVolumeGi: 10,
		PagerDutySecret: "platform/prod/pagerduty", GrafanaAdminSecret: "platform/prod/grafana-admin", SecretStore: "aws-secrets-manager",
		Rules:      map[string][]promrules.Group{"platform": {promrules.Platform(runbooks)}, "slo-mita-backend": sloGroups},
		Runbooks:   runbooks,
		Dashboards: map[string]string{"platform": `{"uid":"platform","panels":[]}`},
	}
}

func planMonitoring(t *testing.T, mutate func(*MonitoringArgs)) *plan.Plan {
	t.Helper()
	args := baseArgs()
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithKubernetes(t, func(ctx *pulumi.Context, k8s pulumi.ResourceOption) error {
		_, err := NewMonitoring(ctx, "monitoring", args, k8s)
		return err
	})
}

func values(t *testing.T, p *plan.Plan, path ...any) any {
	t.Helper()
	r, ok := p.Named("kubernetes:helm.sh/v3:Release", "monitoring")
	require.True(t, ok)
	return plantest.Input(r, append([]any{"values"}, path...)...)
}

func TestMonitoringChildren(t *testing.T) {
	p := planMonitoring(t, nil)
	assert.Equal(t, map[string]int{
		"kubernetes:helm.sh/v3:Release":                      1,
		"kubernetes:external-secrets.io/v1:ExternalSecret":   2,
		"kubernetes:monitoring.coreos.com/v1:PrometheusRule": 2,
		"kubernetes:core/v1:ConfigMap":                       1,
	}, p.ChildTypes("platform:monitoring:Monitoring", "monitoring"))
	r, _ := p.Named("kubernetes:helm.sh/v3:Release", "monitoring")
	assert.Equal(t, "88.5.3", r.Inputs["version"])
	assert.Equal(t, "https://prometheus-community.github.io/helm-charts", plantest.Input(r, "repositoryOpts", "repo"))
	assert.Equal(t, "monitoring", r.Inputs["namespace"])
	assert.Equal(t, false, r.Inputs["createNamespace"])
	for _, res := range p.Resources {
		if strings.HasPrefix(res.Type, "kubernetes:") && res.Custom {
			assert.Contains(t, res.Provider, "pulumi:providers:kubernetes::k8s", res.Name)
		}
	}
}

func TestPrometheus(t *testing.T) {
	p := planMonitoring(t, nil)
	spec := func(path ...any) any { return values(t, p, append([]any{"prometheus", "prometheusSpec"}, path...)...) }
	assert.Equal(t, 2.0, spec("replicas"))
	assert.Equal(t, "15d", spec("retention"))
	assert.Equal(t, "1m", spec("evaluationInterval"), "the SLO windows and the MTTR record count in minutes")
	assert.Equal(t, "85GiB", spec("retentionSize"), "below the 100Gi volume")
	assert.Equal(t, map[string]any{"cluster": "platform-prod-use1-eks", "stack": "production"}, spec("externalLabels"))
	assert.Equal(t, "gp3", spec("storageSpec", "volumeClaimTemplate", "spec", "storageClassName"), "the encrypted class")
	assert.Equal(t, "100Gi", spec("storageSpec", "volumeClaimTemplate", "spec", "resources", "requests", "storage"))
	assert.Equal(t, "topology.kubernetes.io/zone", spec("topologySpreadConstraints", 0, "topologyKey"))
	assert.Equal(t, "DoNotSchedule", spec("topologySpreadConstraints", 0, "whenUnsatisfiable"))
	for _, sel := range []string{"rule", "serviceMonitor", "podMonitor", "probe", "scrapeConfig"} {
		assert.Equal(t, false, spec(sel+"SelectorNilUsesHelmValues"), "%s objects are picked up from every namespace", sel)
	}
	assert.Contains(t, spec("resources", "limits"), "memory")
	assert.Equal(t, map[string]any{"enabled": true, "minAvailable": 1.0}, values(t, p, "prometheus", "podDisruptionBudget"))
	rules := values(t, p, "defaultRules", "rules").(map[string]any)
	for _, off := range []string{"etcd", "kubeControllerManager", "kubeSchedulerAlerting", "kubeSchedulerRecording", "kubeProxy"} {
		assert.Equal(t, false, rules[off], "%s cannot work on EKS", off)
	}
	assert.Equal(t, true, values(t, p, "defaultRules", "create"), "the other default rules stay")
	assert.Equal(t, "logging", values(t, p, "prometheus-node-exporter", "namespaceOverride"), "node-exporter runs with the node agents")
}

func TestAlertmanagerAndSecrets(t *testing.T) {
	p := planMonitoring(t, nil)
	spec := func(path ...any) any {
		return values(t, p, append([]any{"alertmanager", "alertmanagerSpec"}, path...)...)
	}
	assert.Equal(t, 3.0, spec("replicas"))
	assert.Equal(t, []any{"alertmanager-pagerduty"}, spec("secrets"), "the routing keys are mounted as files")
	assert.Equal(t, map[string]any{"enabled": true, "minAvailable": 2.0}, values(t, p, "alertmanager", "podDisruptionBudget"), "a quorum of 3 survives a drain")

	cfg := values(t, p, "alertmanager", "config").(map[string]any)
	routes := cfg["route"].(map[string]any)["routes"].([]any)
	assert.Equal(t, "pagerduty-page", routes[1].(map[string]any)["receiver"])
	assert.Equal(t, []any{`severity =~ "page|critical"`}, routes[1].(map[string]any)["matchers"])
	assert.Equal(t, "pagerduty-ticket", routes[2].(map[string]any)["receiver"])
	assert.Equal(t, []any{"alertname", "service"}, cfg["route"].(map[string]any)["group_by"])
	inhibit := cfg["inhibit_rules"].([]any)[0].(map[string]any)
	assert.Equal(t, []any{"service"}, inhibit["equal"], "a page mutes the warnings of the same service")
	receivers := map[string]any{}
	for _, r := range cfg["receivers"].([]any) {
		receivers[r.(map[string]any)["name"].(string)] = r
	}
	assert.Equal(t, "/etc/alertmanager/secrets/alertmanager-pagerduty/page",
		plantest.Input(plan.Resource{Inputs: receivers["pagerduty-page"].(map[string]any)}, "pagerduty_configs", 0, "routing_key_file"))

	// The keys reach the pod through External Secrets only.
	es, ok := p.Named("kubernetes:external-secrets.io/v1:ExternalSecret", "monitoring-pagerduty")
	require.True(t, ok)
	assert.Equal(t, "alertmanager-pagerduty", plantest.Input(es, "spec", "target", "name"))
	assert.Equal(t, map[string]any{"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}, plantest.Input(es, "spec", "secretStoreRef"))
	assert.Equal(t, []any{
		map[string]any{"secretKey": "page", "remoteRef": map[string]any{"key": "platform/prod/pagerduty", "property": "page"}},
		map[string]any{"secretKey": "ticket", "remoteRef": map[string]any{"key": "platform/prod/pagerduty", "property": "ticket"}},
	}, plantest.Input(es, "spec", "data"))
	admin, ok := p.Named("kubernetes:external-secrets.io/v1:ExternalSecret", "monitoring-grafana-admin")
	require.True(t, ok)
	assert.Equal(t, "grafana-admin", plantest.Input(admin, "spec", "target", "name"))
	assert.Equal(t, "grafana-admin", values(t, p, "grafana", "admin", "existingSecret"))
	assert.Equal(t, true, values(t, p, "grafana", "persistence", "enabled"))
	assert.Equal(t, false, values(t, p, "grafana", "initChownData", "enabled"), "no root init container in a restricted namespace")
	assert.Equal(t, "gp3", values(t, p, "grafana", "persistence", "storageClassName"))
	assert.Equal(t, "ALL", values(t, p, "grafana", "sidecar", "dashboards", "searchNamespace"))

	// No secret value anywhere in the release's inputs.
	b, err := json.Marshal(values(t, p))
	require.NoError(t, err)
	assert.NotContains(t, string(b), "routing_key\"", "only routing_key_file")
	assert.NotContains(t, strings.ToLower(string(b)), "password\":\"", "no literal password")
}

func TestRulesShipped(t *testing.T) {
	p := planMonitoring(t, nil)
	r, ok := p.Named("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-rules-slo-mita-backend")
	require.True(t, ok)
	assert.Equal(t, "monitoring", plantest.Input(r, "metadata", "namespace"))
	groups := plantest.Input(r, "spec", "groups").([]any)
	assert.Len(t, groups, 6, "recordings, metadata and alerts for each of the two SLOs")
	assert.Equal(t, "sloth-slo-sli-recordings-mita-backend-availability", plantest.Input(r, "spec", "groups", 0, "name"))
	platform, ok := p.Named("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring-rules-platform")
	require.True(t, ok)
	assert.Len(t, plantest.Input(platform, "spec", "groups", 0, "rules"), len(promrules.PlatformAlerts()))
}

func TestDashboardsShipped(t *testing.T) {
	p := planMonitoring(t, nil)
	cm, ok := p.Named("kubernetes:core/v1:ConfigMap", "monitoring-dashboard-platform")
	require.True(t, ok)
	assert.Equal(t, "dashboard-platform", plantest.Input(cm, "metadata", "name"))
	assert.Equal(t, "monitoring", plantest.Input(cm, "metadata", "namespace"))
	assert.Equal(t, map[string]any{"grafana_dashboard": "1"}, plantest.Input(cm, "metadata", "labels"), "the sidecar's label")
	assert.Equal(t, `{"uid":"platform","panels":[]}`, plantest.Input(cm, "data", "platform.json"))
}

func TestDataSources(t *testing.T) {
	loki := DataSource{Name: "Loki", Type: "loki", UID: "loki", URL: "http://loki.logging.svc.cluster.local:3100", Access: "proxy",
		JSONData: map[string]any{"derivedFields": []any{map[string]any{"datasourceUid": "tempo", "matcherRegex": `"trace_id":"(\\w+)"`, "name": "trace_id"}}}}
	p := planMonitoring(t, func(a *MonitoringArgs) { a.DataSources = []DataSource{loki} })
	ds := values(t, p, "grafana", "additionalDataSources").([]any)
	require.Len(t, ds, 1)
	assert.Equal(t, "loki", ds[0].(map[string]any)["uid"])
	assert.Equal(t, "http://loki.logging.svc.cluster.local:3100", ds[0].(map[string]any)["url"])
	assert.Equal(t, false, ds[0].(map[string]any)["isDefault"], "Prometheus stays the default")
	assert.Nil(t, values(t, planMonitoring(t, nil), "grafana", "additionalDataSources"), "none unless given")
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		a := baseArgs()
		a.DataSources = []DataSource{loki, loki}
		_, err := NewMonitoring(ctx, "monitoring", a)
		return err
	}, "dataSources[1]: a name, a type, a unique uid and the in-cluster http URL")
}

func TestInvalidMonitoringArgs(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*MonitoringArgs)
		want   string
	}{
		{"retention larger than the volume", func(a *MonitoringArgs) { a.RetentionSizeGi = 120 }, "retentionSizeGi: must be below volumeGi (100) so the volume never fills, got 120"},
		{"no pager", func(a *MonitoringArgs) { a.PagerDutySecret = "" }, "pagerDutySecret: page alerts need a receiver"},
		{"unpinned chart", func(a *MonitoringArgs) { a.Chart.Version = "88.x" }, `chart.version: must be an exact chart version such as 1.2.3, not a range, got "88.x"`},
		{"one Prometheus", func(a *MonitoringArgs) { a.PrometheusReplicas = 1 }, "prometheusReplicas: at least 2"},
		{"broken dashboard", func(a *MonitoringArgs) { a.Dashboards["Bad"] = "{" }, "dashboards[Bad]: a Kubernetes name and a JSON dashboard"},
		{"alert without runbook", func(a *MonitoringArgs) {
			a.Rules["extra"] = []promrules.Group{{Name: "x", Rules: []promrules.Rule{{Alert: "Broken", Expr: "up == 0", Labels: map[string]string{"severity": "page", "service": "x"}, Annotations: map[string]string{"summary": "s"}}}}}
		}, "rules[extra]: group x: alert Broken: annotations.runbook_url is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewMonitoring(ctx, "monitoring", args)
				return err
			}, tt.want)
		})
	}
}

func TestAlertmanagerRoutesEndAtReceivers(t *testing.T) {
	assert.Empty(t, Alertmanager().Validate())
	c := Alertmanager()
	c.Route.Routes[1].Receiver = "pager"
	c.Receivers = c.Receivers[:1]
	assert.Equal(t, []string{
		"route.routes[1].receiver: pager is not a receiver",
		"route.routes[2].receiver: pagerduty-ticket is not a receiver",
		"receivers.pagerduty-page: page alerts need a receiver that pages",
	}, c.Validate())
}
