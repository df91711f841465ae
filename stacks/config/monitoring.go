package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"platform/components/addons"
	"platform/internal/promrules"
)

// Monitoring is platform:monitoring: kube-prometheus-stack in the
// monitoring namespace, where its alerts go, and the services' SLOs.
type Monitoring struct {
	// Chart pins kube-prometheus-stack.
	Chart Chart `json:"chart"`
	// Prometheus sizes Prometheus.
	Prometheus Prometheus `json:"prometheus"`
	// AlertmanagerReplicas: 3 by default.
	AlertmanagerReplicas int `json:"alertmanagerReplicas"`
	// GrafanaVolumeGi: 10 by default.
	GrafanaVolumeGi int `json:"grafanaVolumeGi"`
	// PagerDutySecret is the Secrets Manager secret holding the PagerDuty
	// Events API routing keys as JSON {"page": ..., "ticket": ...};
	// default <project>/<env>/pagerduty (the stack's secrets prefix).
	// Created and filled outside Pulumi: no routing key is ever in config,
	// state or values.
	PagerDutySecret string `json:"pagerDutySecret"`
	// GrafanaAdminSecret holds {"user": ..., "password": ...}; default
	// <project>/<env>/grafana-admin.
	GrafanaAdminSecret string `json:"grafanaAdminSecret"`
	// SLOs are the HTTP services' objectives.
	SLOs []ServiceSLO `json:"slos"`
	// RunbookBaseURL is where docs/runbooks/ of this repository is read
	// (https://github.com/<owner>/<repo>/blob/main/docs/runbooks/): every
	// alert links its runbook there.
	RunbookBaseURL string `json:"runbookBaseUrl"`
}

// Prometheus is monitoring.prometheus.
type Prometheus struct {
	// Replicas: 2 by default, spread over zones.
	Replicas int `json:"replicas"`
	// Retention is how long samples are kept ("15d" by default).
	Retention string `json:"retention"`
	// VolumeGi is each replica's volume; RetentionSizeGi (below it, so
	// that the volume never fills) caps the TSDB. 100 and 85 by default.
	VolumeGi        int `json:"volumeGi"`
	RetentionSizeGi int `json:"retentionSizeGi"`
}

// ServiceSLO is one HTTP service's objectives: availability (share of
// non-5xx responses) and latency (share of requests faster than
// latencyThresholdSeconds).
type ServiceSLO struct {
	Service                 string  `json:"service"`
	Availability            float64 `json:"availability"`
	Latency                 float64 `json:"latency"`
	LatencyThresholdSeconds string  `json:"latencyThresholdSeconds"`
}

// SLOs are the generated SLO specs.
func (s ServiceSLO) SLOs() []promrules.SLO {
	return promrules.HTTPService(s.Service, s.Availability, s.Latency, s.LatencyThresholdSeconds)
}

var (
	promDuration = regexp.MustCompile(`^[0-9]+(d|w|y)$`)
	seconds      = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
)

func (m Monitoring) withDefaults() Monitoring {
	setDefault(&m.Prometheus.Replicas, 2)
	if m.Prometheus.Retention == "" {
		m.Prometheus.Retention = "15d"
	}
	setDefault(&m.Prometheus.VolumeGi, 100)
	setDefault(&m.Prometheus.RetentionSizeGi, 85)
	setDefault(&m.AlertmanagerReplicas, 3)
	setDefault(&m.GrafanaVolumeGi, 10)
	slos := make([]ServiceSLO, len(m.SLOs))
	for i, s := range m.SLOs {
		if s.LatencyThresholdSeconds == "" {
			s.LatencyThresholdSeconds = "0.5"
		}
		slos[i] = s
	}
	m.SLOs = slos
	return m
}

// validate reports the monitoring config's problems with field paths.
func (m Monitoring) validate() []error {
	var errs []error
	add := func(path, format string, args ...any) {
		errs = append(errs, fieldErr("monitoring."+path, format, args...))
	}
	for _, e := range addons.ValidateChart(addons.Chart{Repository: m.Chart.Repository, Version: m.Chart.Version}) {
		add("chart."+e.Path, "%s", e.Message)
	}
	p := m.Prometheus
	if p.Replicas < 2 {
		add("prometheus.replicas", "at least 2, spread over zones, got %d", p.Replicas)
	}
	if !promDuration.MatchString(p.Retention) {
		add("prometheus.retention", "a Prometheus duration in days, weeks or years such as 15d, got %q", p.Retention)
	}
	if p.RetentionSizeGi < 1 || p.RetentionSizeGi >= p.VolumeGi {
		add("prometheus.retentionSizeGi", "must be below volumeGi (%d) so the volume never fills, got %d", p.VolumeGi, p.RetentionSizeGi)
	}
	if m.AlertmanagerReplicas < 2 {
		add("alertmanagerReplicas", "at least 2 (3 recommended): one Alertmanager is a single point of failure for paging, got %d", m.AlertmanagerReplicas)
	}
	if m.GrafanaVolumeGi < 1 {
		add("grafanaVolumeGi", "at least 1, got %d", m.GrafanaVolumeGi)
	}
	if u, err := url.Parse(m.RunbookBaseURL); err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Path, "/docs/runbooks/") {
		add("runbookBaseUrl", "the https URL of this repository's docs/runbooks/ (ending in /docs/runbooks/), got %q", m.RunbookBaseURL)
	}
	seen := map[string]bool{}
	for i, s := range m.SLOs {
		at := fmt.Sprintf("slos[%d]", i)
		if seen[s.Service] {
			add(at+".service", "%q has SLOs twice", s.Service)
		}
		seen[s.Service] = true
		if !dnsLabel.MatchString(s.Service) {
			add(at+".service", "must be a DNS label such as mita-backend, got %q", s.Service)
		}
		errs = append(errs, validateSLO("monitoring."+at, s.Availability, s.Latency, s.LatencyThresholdSeconds)...)
	}
	return errs
}
