// Package dashboards builds the platform's Grafana dashboards in Go with
// the Grafana Foundation SDK: a RED dashboard per service, the platform
// dashboard (nodes, pods, autoscaler, volumes) and the executive
// dashboard (availability and latency against the SLOs, error budget,
// volume, open pages). components/monitoring ships them as ConfigMaps for
// Grafana's dashboard sidecar; their queries read the SLO recording rules
// of internal/promrules.
package dashboards

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Service is what a service's dashboards need to know: its name and its
// objectives (percentages) and latency threshold (seconds).
type Service struct {
	Name                   string
	Availability, Latency  float64
	LatencyThresholdSecond float64
}

// datasource is kube-prometheus-stack's provisioned Prometheus.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("prometheus")}

func query(expr, legend string) *prometheus.DataqueryBuilder {
	q := prometheus.NewDataqueryBuilder().Expr(expr).Datasource(datasource)
	if legend != "" {
		q = q.LegendFormat(legend)
	}
	return q
}

// thresholds colours a value: red below (or above, when higherIsWorse)
// the limit, green on the good side.
func thresholds(limit float64, higherIsWorse bool) *dashboard.ThresholdsConfigBuilder {
	good, bad := "green", "red"
	first, second := bad, good
	if higherIsWorse {
		first, second = good, bad
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps([]dashboard.Threshold{
		{Value: nil, Color: first}, {Value: cog.ToPtr(limit), Color: second},
	})
}

func statPanel(title, expr, unit string, limit float64, higherIsWorse bool, w, h uint32) *stat.PanelBuilder {
	return stat.NewPanelBuilder().Title(title).Datasource(datasource).Unit(unit).Decimals(3).
		Thresholds(thresholds(limit, higherIsWorse)).ColorMode(common.BigValueColorModeBackground).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})).
		WithTarget(query(expr, "").Instant().RefId("A")).Height(h).Span(w)
}

func seriesPanel(title, unit string, w, h uint32, targets ...*prometheus.DataqueryBuilder) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().Title(title).Datasource(datasource).Unit(unit).Height(h).Span(w)
	for i, t := range targets {
		p = p.WithTarget(t.RefId(string(rune('A' + i))))
	}
	return p
}

func newDashboard(uid, title string, tags ...string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).Uid(uid).Tags(append([]string{"platform"}, tags...)).
		Refresh("1m").Time("now-24h", "now").Timezone(common.TimeZoneUtc).Readonly()
}

func sloID(service, slo string) string { return fmt.Sprintf(`sloth_id="%s-%s"`, service, slo) }

// RED is a service's rate, errors and duration, with its SLOs.
func RED(s Service) *dashboard.DashboardBuilder {
	sel := fmt.Sprintf(`service="%s"`, s.Name)
	rate := func(metric, extra string) string {
		return fmt.Sprintf("sum(rate(%s{%s%s}[$__rate_interval]))", metric, sel, extra)
	}
	quantile := func(q string) string {
		return fmt.Sprintf("histogram_quantile(%s, sum by (le) (rate(http_request_duration_seconds_bucket{%s}[$__rate_interval])))", q, sel)
	}
	return newDashboard("service-"+s.Name, s.Name+": requests, errors, latency", "service", s.Name).
		WithRow(dashboard.NewRowBuilder("Objectives (30 days)")).
		WithPanel(statPanel("Availability", fmt.Sprintf("1 - slo:sli_error:ratio_rate30d{%s}", sloID(s.Name, "availability")), "percentunit", s.Availability/100, false, 6, 4)).
		WithPanel(statPanel("Availability error budget left", fmt.Sprintf("slo:period_error_budget_remaining:ratio{%s}", sloID(s.Name, "availability")), "percentunit", 0, false, 6, 4)).
		WithPanel(statPanel("Requests under the latency threshold", fmt.Sprintf("1 - slo:sli_error:ratio_rate30d{%s}", sloID(s.Name, "latency")), "percentunit", s.Latency/100, false, 6, 4)).
		WithPanel(statPanel("Latency error budget left", fmt.Sprintf("slo:period_error_budget_remaining:ratio{%s}", sloID(s.Name, "latency")), "percentunit", 0, false, 6, 4)).
		WithRow(dashboard.NewRowBuilder("Rate, errors, duration")).
		WithPanel(seriesPanel("Requests per second by code", "reqps", 8, 8,
			query(fmt.Sprintf("sum by (code) (rate(http_requests_total{%s}[$__rate_interval]))", sel), "{{code}}"))).
		WithPanel(seriesPanel("Server error ratio", "percentunit", 8, 8,
			query(rate("http_requests_total", `,code=~"5.."`)+" / "+rate("http_requests_total", ""), "5xx"))).
		WithPanel(seriesPanel("Latency", "s", 8, 8,
			query(quantile("0.5"), "p50"), query(quantile("0.95"), "p95"), query(quantile("0.99"), "p99"))).
		WithPanel(seriesPanel("Error budget burn rate (1x spends it in 30 days)", "x", 24, 8,
			query(fmt.Sprintf(`slo:current_burn_rate:ratio{sloth_service="%s"}`, s.Name), "{{sloth_slo}}")))
}

// Platform is the cluster's health: nodes, pods, capacity, the
// autoscaler and volumes.
func Platform() *dashboard.DashboardBuilder {
	return newDashboard("platform", "Platform: nodes, pods, autoscaler, volumes", "kubernetes").
		WithRow(dashboard.NewRowBuilder("Nodes")).
		WithPanel(statPanel("Nodes not Ready", `count(kube_node_status_condition{condition="Ready",status="true"} == 0) or vector(0)`, "none", 1, true, 6, 4)).
		WithPanel(statPanel("CPU requested of allocatable", `sum(kube_pod_container_resource_requests{resource="cpu"}) / sum(kube_node_status_allocatable{resource="cpu"})`, "percentunit", 0.85, true, 6, 4)).
		WithPanel(statPanel("Memory requested of allocatable", `sum(kube_pod_container_resource_requests{resource="memory"}) / sum(kube_node_status_allocatable{resource="memory"})`, "percentunit", 0.85, true, 6, 4)).
		WithPanel(statPanel("Unschedulable pods", `sum(cluster_autoscaler_unschedulable_pods_count) or vector(0)`, "none", 1, true, 6, 4)).
		WithPanel(seriesPanel("Nodes by node group", "none", 12, 8,
			query(`count by (label_eks_amazonaws_com_nodegroup) (kube_node_labels)`, "{{label_eks_amazonaws_com_nodegroup}}"))).
		WithPanel(seriesPanel("Autoscaler: nodes by state, failed scale-ups", "none", 12, 8,
			query(`sum by (state) (cluster_autoscaler_nodes_count)`, "{{state}}"),
			query(`sum(increase(cluster_autoscaler_failed_scale_ups_total[$__rate_interval]))`, "failed scale-ups"))).
		WithRow(dashboard.NewRowBuilder("Workloads")).
		WithPanel(seriesPanel("Pods by phase", "none", 12, 8,
			query(`sum by (phase) (kube_pod_status_phase)`, "{{phase}}"))).
		WithPanel(seriesPanel("Containers crash looping, by namespace", "none", 12, 8,
			query(`sum by (namespace) (kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"})`, "{{namespace}}"))).
		WithPanel(seriesPanel("Volumes used", "percentunit", 24, 8,
			query(`max by (namespace, persistentvolumeclaim) (1 - kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes)`, "{{namespace}}/{{persistentvolumeclaim}}")))
}

// Executive is what the business asks: are the services within their
// objectives, how much budget is left, how fast, how busy, and is anyone
// being paged.
func Executive(services []Service) *dashboard.DashboardBuilder {
	d := newDashboard("executive", "Executive: service levels", "slo").Time("now-30d", "now").
		WithRow(dashboard.NewRowBuilder("Now")).
		WithPanel(statPanel("Open pages", `count(ALERTS{alertstate="firing",severity="page"}) or vector(0)`, "none", 1, true, 12, 4)).
		WithPanel(statPanel("Mean time to resolve a page, 30 days (objective under 30 min)", `platform:mttr_minutes:30d`, "m", 30, true, 12, 4))
	for _, s := range services {
		d = d.WithRow(dashboard.NewRowBuilder(s.Name)).
			WithPanel(statPanel(fmt.Sprintf("Availability, 30 days (objective %g%%)", s.Availability),
				fmt.Sprintf("1 - slo:sli_error:ratio_rate30d{%s}", sloID(s.Name, "availability")), "percentunit", s.Availability/100, false, 6, 5)).
			WithPanel(statPanel("Error budget left", fmt.Sprintf("slo:period_error_budget_remaining:ratio{%s}", sloID(s.Name, "availability")), "percentunit", 0, false, 6, 5)).
			WithPanel(statPanel(fmt.Sprintf("P95 latency (objective under %gs)", s.LatencyThresholdSecond),
				fmt.Sprintf(`histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="%s"}[1d])))`, s.Name), "s", s.LatencyThresholdSecond, true, 6, 5)).
			WithPanel(statPanel("Requests, last 24 hours", fmt.Sprintf(`sum(increase(http_requests_total{service="%s"}[1d]))`, s.Name), "short", 0, true, 6, 5))
	}
	return d
}

// JSON renders a dashboard for Grafana's sidecar.
func JSON(b *dashboard.DashboardBuilder) (string, error) {
	d, err := b.Build()
	if err != nil {
		return "", err
	}
	out, err := json.MarshalIndent(d, "", "  ")
	return string(out), err
}

// All are the platform's dashboards by name, for the given services.
func All(services []Service) (map[string]string, error) {
	builders := map[string]*dashboard.DashboardBuilder{"platform": Platform(), "executive": Executive(services)}
	for _, s := range services {
		builders["service-"+s.Name] = RED(s)
	}
	out := map[string]string{}
	for name, b := range builders {
		j, err := JSON(b)
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", name, err)
		}
		out[name] = j
	}
	return out, nil
}

// Queries are every PromQL expression of a rendered dashboard, by panel
// title, read back from its JSON.
func Queries(dashboardJSON string) (map[string][]string, error) {
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(dashboardJSON), &d); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			if strings.TrimSpace(t.Expr) != "" {
				out[p.Title] = append(out[p.Title], t.Expr)
			}
		}
	}
	return out, nil
}

// GrafanaVariables stand in for Grafana's built-in variables when a
// query is parsed outside Grafana.
var GrafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1d")
