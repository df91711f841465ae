package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"platform/components/addons"
)

// Logging is platform:logging: Fluent Bit and Loki in the logging
// namespace, the audit stream's retention, and the OpenSearch domain for
// audit and security search (switched on per stack).
type Logging struct {
	// Charts pins "loki" and "fluent-bit".
	Charts map[string]Chart `json:"charts"`
	// RetentionDays of application logs in Loki: 30 by default. The Loki
	// bucket's lifecycle expires objects 15 days later (the backstop).
	RetentionDays int `json:"retentionDays"`
	// LokiReplicas (3) and each one's WAL volume (LokiVolumeGi, 20).
	LokiReplicas int `json:"lokiReplicas"`
	LokiVolumeGi int `json:"lokiVolumeGi"`
	// AuditRetentionDays: the audit and security streams' log groups and
	// search indices keep this long (≥ 365; 365 by default). The audit
	// bucket keeps them under Object Lock for storage.objectLockRetentionDays.
	AuditRetentionDays int `json:"auditRetentionDays"`
	// Search is the OpenSearch domain.
	Search SearchDomain `json:"search"`
}

// SearchDomain is logging.search.
type SearchDomain struct {
	Enabled bool `json:"enabled"`
	// EngineVersion such as OpenSearch_2.19.
	EngineVersion string `json:"engineVersion"`
	// InstanceType and InstanceCount of the data nodes (3 by default, a
	// multiple of Zones).
	InstanceType  string `json:"instanceType"`
	InstanceCount int    `json:"instanceCount"`
	// Zones the domain spans with zone awareness: 3 by default, 3 in
	// production.
	Zones int `json:"zones"`
	// DedicatedMasters: on by default, required in production; MasterType
	// sizes the three masters.
	DedicatedMasters *bool  `json:"dedicatedMasters"`
	MasterType       string `json:"masterType"`
	// VolumeGi per data node (gp3): 100 by default.
	VolumeGi int `json:"volumeGi"`
}

// Tracing is platform:tracing: the OpenTelemetry Collector (gateway) and
// Tempo in the monitoring namespace, and X-Ray.
type Tracing struct {
	// Charts pins "opentelemetry-collector" and "tempo-distributed".
	Charts map[string]Chart `json:"charts"`
	// RetentionDays of traces in Tempo: 14 by default; the bucket expires
	// objects 7 days later.
	RetentionDays int `json:"retentionDays"`
	// SlowThresholdMs: slower traces are always kept (1000 by default);
	// BaselinePercent of the rest are kept (10 by default). Errors are
	// always kept.
	SlowThresholdMs int     `json:"slowThresholdMs"`
	BaselinePercent float64 `json:"baselinePercent"`
	// CollectorReplicas (2) and TempoReplicas (3 ingesters).
	CollectorReplicas int `json:"collectorReplicas"`
	TempoReplicas     int `json:"tempoReplicas"`
	// APIService is the X-Ray service name of the API (its sampling rule
	// and group): the first SLO service by default.
	APIService string `json:"apiService"`
}

// Synthetics is platform:synthetics: CloudWatch Synthetics canaries on
// the critical paths and the anomaly-detection alarms.
type Synthetics struct {
	Canaries []Canary `json:"canaries"`
	// SuccessThreshold: a canary's alarm fires below this success
	// percentage (90 by default).
	SuccessThreshold float64 `json:"successThreshold"`
	// ArtifactRetentionDays: canary screenshots and logs (31 by default).
	ArtifactRetentionDays int `json:"artifactRetentionDays"`
	// Anomaly are the anomaly-detection alarms.
	Anomaly Anomaly `json:"anomaly"`
}

// Canary is one probed path.
type Canary struct {
	// Name: lower-case letters, digits, - and _, at most 21 characters.
	Name string `json:"name"`
	URL  string `json:"url"`
	// Schedule: "rate(1 minute)" by default.
	Schedule string `json:"schedule"`
	// ExpectStatus: 200 by default.
	ExpectStatus int `json:"expectStatus"`
	// VPC: probe from the private subnets (an internal path).
	VPC bool `json:"vpc"`
}

// Anomaly is synthetics.anomaly.
type Anomaly struct {
	// LoadBalancer is the API load balancer's CloudWatch dimension
	// (app/<name>/<id>, from `aws elbv2 describe-load-balancers` after
	// the first deploy): its alarms exist only once it is set.
	LoadBalancer string `json:"loadBalancer"`
	// Routes send each signal's alarm to "page" or "ticket": requests,
	// errors, latency, dbConnections, dbCpu. Tickets by default.
	Routes map[string]string `json:"routes"`
}

// AnomalySignals are the signals synthetics.anomaly.routes may route.
var AnomalySignals = []string{"requests", "errors", "latency", "dbConnections", "dbCpu"}

// Chaos is platform:chaos: the FIS experiment templates.
type Chaos struct {
	Experiments Experiments `json:"experiments"`
}

// Experiments are chaos.experiments; an absent one is not created.
type Experiments struct {
	PodDeletion      *PodDeletion     `json:"podDeletion"`
	NodeTermination  *NodeTermination `json:"nodeTermination"`
	DatabaseFailover *Experiment      `json:"databaseFailover"`
	CacheFailover    *CacheFailover   `json:"cacheFailover"`
	AZImpairment     *AZImpairment    `json:"azImpairment"`
}

// Experiment is what every experiment has: the canaries (by name) whose
// alarms stop it.
type Experiment struct {
	StopAlarms []string `json:"stopAlarms"`
}

// PodDeletion deletes pods of an application namespace.
type PodDeletion struct {
	Experiment
	Namespace string `json:"namespace"`
	Selector  string `json:"selector"`
	// Count pods, or Percent of the selected pods (50 by default when
	// Count is not set).
	Count   int `json:"count"`
	Percent int `json:"percent"`
	// FISPodImage replaces the pod FIS runs in the namespace (a mirror in
	// the platform's registry, when admission refuses the default).
	FISPodImage string `json:"fisPodImage"`
}

// CacheFailover cuts power to the Redis nodes of one zone.
type CacheFailover struct {
	Experiment
	// AZ holds the current primary (the first of network.azs by default).
	AZ string `json:"az"`
}

// NodeTermination terminates a share of a node group's instances.
type NodeTermination struct {
	Experiment
	// NodeGroup: a key of cluster.nodeGroups ("spot" by default).
	NodeGroup string `json:"nodeGroup"`
	// Percent: 33 by default (a third).
	Percent int `json:"percent"`
}

// AZImpairment stops the nodes and cuts the private subnets of one zone.
type AZImpairment struct {
	Experiment
	AZ string `json:"az"`
	// Duration: ISO 8601, PT10M by default.
	Duration string `json:"duration"`
}

var (
	canaryName     = regexp.MustCompile(`^[0-9a-z_-]{1,21}$`)
	rateSchedule   = regexp.MustCompile(`^rate\((1 minute|[0-9]+ minutes|1 hour)\)$`)
	isoDuration    = regexp.MustCompile(`^PT([0-9]+H)?([0-9]+M)?$`)
	engineVersion  = regexp.MustCompile(`^OpenSearch_[0-9]+\.[0-9]+$`)
	searchInstance = regexp.MustCompile(`^[a-z0-9]+\.[a-z0-9]+\.search$`)
)

func (l Logging) withDefaults() Logging {
	setDefault(&l.RetentionDays, 30)
	setDefault(&l.LokiReplicas, 3)
	setDefault(&l.LokiVolumeGi, 20)
	setDefault(&l.AuditRetentionDays, 365)
	s := &l.Search
	setDefault(&s.InstanceCount, 3)
	setDefault(&s.Zones, 3)
	setDefault(&s.VolumeGi, 100)
	if s.DedicatedMasters == nil {
		on := true
		s.DedicatedMasters = &on
	}
	return l
}

func (t Tracing) withDefaults(slos []ServiceSLO) Tracing {
	setDefault(&t.RetentionDays, 14)
	setDefault(&t.SlowThresholdMs, 1000)
	if t.BaselinePercent == 0 {
		t.BaselinePercent = 10
	}
	setDefault(&t.CollectorReplicas, 2)
	setDefault(&t.TempoReplicas, 3)
	if t.APIService == "" && len(slos) > 0 {
		t.APIService = slos[0].Service
	}
	return t
}

func (s Synthetics) withDefaults() Synthetics {
	if s.SuccessThreshold == 0 {
		s.SuccessThreshold = 90
	}
	setDefault(&s.ArtifactRetentionDays, 31)
	canaries := make([]Canary, len(s.Canaries))
	for i, c := range s.Canaries {
		if c.Schedule == "" {
			c.Schedule = "rate(1 minute)"
		}
		setDefault(&c.ExpectStatus, 200)
		canaries[i] = c
	}
	s.Canaries = canaries
	routes := map[string]string{}
	for _, sig := range AnomalySignals {
		routes[sig] = "ticket"
	}
	for k, v := range s.Anomaly.Routes {
		routes[k] = v
	}
	s.Anomaly.Routes = routes
	return s
}

func (c Chaos) withDefaults(azs []string) Chaos {
	e := c.Experiments
	if p := e.PodDeletion; p != nil {
		cp := *p
		if cp.Count == 0 {
			setDefault(&cp.Percent, 50)
		}
		e.PodDeletion = &cp
	}
	if n := e.NodeTermination; n != nil {
		cp := *n
		setDefault(&cp.Percent, 33)
		if cp.NodeGroup == "" {
			cp.NodeGroup = SpotGroup
		}
		e.NodeTermination = &cp
	}
	if f := e.CacheFailover; f != nil && f.AZ == "" && len(azs) > 0 {
		cp := *f
		cp.AZ = azs[0]
		e.CacheFailover = &cp
	}
	if z := e.AZImpairment; z != nil {
		cp := *z
		if cp.Duration == "" {
			cp.Duration = "PT10M"
		}
		e.AZImpairment = &cp
	}
	c.Experiments = e
	return c
}

// validateObservability checks logging, tracing, synthetics and chaos.
func (c StackConfig) validateObservability() []error {
	var errs []error
	add := func(path, format string, args ...any) { errs = append(errs, fieldErr(path, format, args...)) }
	charts := func(path string, got map[string]Chart, want ...string) {
		for _, name := range want {
			ch, ok := got[name]
			if !ok {
				add(path+"."+name, "pin the chart: repository (https) and version")
				continue
			}
			for _, e := range addons.ValidateChart(addons.Chart{Repository: ch.Repository, Version: ch.Version}) {
				add(path+"."+name+"."+e.Path, "%s", e.Message)
			}
		}
	}
	l := c.Logging
	charts("logging.charts", l.Charts, "loki", "fluent-bit")
	if l.RetentionDays < 1 || l.RetentionDays > 365 {
		add("logging.retentionDays", "between 1 and 365 days of application logs, got %d", l.RetentionDays)
	}
	if l.LokiReplicas < 3 {
		add("logging.lokiReplicas", "at least 3 (every stream is written to three), got %d", l.LokiReplicas)
	}
	if l.AuditRetentionDays < 365 {
		add("logging.auditRetentionDays", "audit and security logs are kept at least 365 days (PCI 10.5.1), got %d", l.AuditRetentionDays)
	}
	if s := l.Search; s.Enabled {
		if !engineVersion.MatchString(s.EngineVersion) {
			add("logging.search.engineVersion", "an OpenSearch version such as OpenSearch_2.19, got %q", s.EngineVersion)
		}
		if !searchInstance.MatchString(s.InstanceType) {
			add("logging.search.instanceType", "an OpenSearch instance type such as r7g.large.search, got %q", s.InstanceType)
		}
		if s.Zones != 2 && s.Zones != 3 {
			add("logging.search.zones", "2 or 3 availability zones, got %d", s.Zones)
		}
		if c.IsProduction() && s.Zones < 3 {
			add("logging.search.zones", "production spreads the domain over 3 availability zones, got %d", s.Zones)
		}
		if len(c.Network.AZs) >= 3 && s.Zones > len(c.Network.AZs) {
			add("logging.search.zones", "the network has %d availability zones, got %d", len(c.Network.AZs), s.Zones)
		}
		if s.InstanceCount < 3 || (s.Zones > 0 && s.InstanceCount%s.Zones != 0) {
			add("logging.search.instanceCount", "at least 3 data nodes and a multiple of zones (%d), got %d", s.Zones, s.InstanceCount)
		}
		if c.IsProduction() && !*s.DedicatedMasters {
			add("logging.search.dedicatedMasters", "production runs three dedicated master nodes")
		}
		if *s.DedicatedMasters && !searchInstance.MatchString(s.MasterType) {
			add("logging.search.masterType", "an OpenSearch instance type for the masters such as m7g.large.search, got %q", s.MasterType)
		}
		if s.VolumeGi < 10 {
			add("logging.search.volumeGi", "at least 10, got %d", s.VolumeGi)
		}
	}

	t := c.Tracing
	charts("tracing.charts", t.Charts, "opentelemetry-collector", "tempo-distributed")
	if t.RetentionDays < 1 || t.RetentionDays > 90 {
		add("tracing.retentionDays", "between 1 and 90 days of traces, got %d", t.RetentionDays)
	}
	if t.SlowThresholdMs < 1 {
		add("tracing.slowThresholdMs", "above 0, got %d", t.SlowThresholdMs)
	}
	if t.BaselinePercent <= 0 || t.BaselinePercent > 100 {
		add("tracing.baselinePercent", "above 0 and at most 100, got %g", t.BaselinePercent)
	}
	if t.CollectorReplicas < 2 {
		add("tracing.collectorReplicas", "at least 2, got %d", t.CollectorReplicas)
	}
	if t.TempoReplicas < 3 {
		add("tracing.tempoReplicas", "at least 3 ingesters, one per zone (each trace is written to three), got %d", t.TempoReplicas)
	}
	if t.APIService != "" && !dnsLabel.MatchString(t.APIService) {
		add("tracing.apiService", "a DNS label such as mita-backend, got %q", t.APIService)
	}

	s := c.Synthetics
	names := map[string]bool{}
	for i, can := range s.Canaries {
		at := fmt.Sprintf("synthetics.canaries[%d]", i)
		if !canaryName.MatchString(can.Name) {
			add(at+".name", "lower-case letters, digits, - and _, at most 21 characters, got %q", can.Name)
		}
		if names[can.Name] {
			add(at+".name", "%q is used twice", can.Name)
		}
		names[can.Name] = true
		if u, err := url.Parse(can.URL); err != nil || u.Scheme != "https" || u.Host == "" {
			add(at+".url", "an https URL, got %q", can.URL)
		}
		if !rateSchedule.MatchString(can.Schedule) {
			add(at+".schedule", "rate(1 minute) up to rate(60 minutes): the alarm evaluates one period per run, got %q", can.Schedule)
		}
		if can.ExpectStatus < 100 || can.ExpectStatus > 599 {
			add(at+".expectStatus", "an HTTP status, got %d", can.ExpectStatus)
		}
	}
	if s.SuccessThreshold <= 0 || s.SuccessThreshold > 100 {
		add("synthetics.successThreshold", "a percentage above 0, got %g", s.SuccessThreshold)
	}
	if s.ArtifactRetentionDays < 1 || s.ArtifactRetentionDays > 455 {
		add("synthetics.artifactRetentionDays", "between 1 and 455 days, got %d", s.ArtifactRetentionDays)
	}
	if lb := s.Anomaly.LoadBalancer; lb != "" && !strings.HasPrefix(lb, "app/") {
		add("synthetics.anomaly.loadBalancer", "the load balancer's dimension app/<name>/<id>, got %q", lb)
	}
	for k, v := range s.Anomaly.Routes {
		if !slices.Contains(AnomalySignals, k) {
			add("synthetics.anomaly.routes."+k, "not a signal; the signals are %s", strings.Join(AnomalySignals, ", "))
		}
		if v != "page" && v != "ticket" {
			add("synthetics.anomaly.routes."+k, "page or ticket, got %q", v)
		}
	}

	e := c.Chaos.Experiments
	stops := func(path string, x Experiment) {
		if len(x.StopAlarms) == 0 {
			add(path+".stopAlarms", "an experiment needs a stop condition: name the canaries (synthetics.canaries) whose alarms stop it")
		}
		for _, a := range x.StopAlarms {
			if !names[a] {
				add(path+".stopAlarms", "%q is not a canary of synthetics.canaries", a)
			}
		}
	}
	percent := func(path string, p int) {
		if p < 1 || p > 100 {
			add(path, "a percentage from 1 to 100, got %d", p)
		}
	}
	if p := e.PodDeletion; p != nil {
		stops("chaos.experiments.podDeletion", p.Experiment)
		if !slices.ContainsFunc(c.Baseline.Applications, func(n NamespaceConfig) bool { return n.Name == p.Namespace }) {
			add("chaos.experiments.podDeletion.namespace", "an application namespace of baseline.applications, got %q", p.Namespace)
		}
		if p.Selector == "" {
			add("chaos.experiments.podDeletion.selector", "a label selector such as app.kubernetes.io/name=mita-backend")
		}
		if p.Count > 0 && p.Percent > 0 {
			add("chaos.experiments.podDeletion.count", "set count or percent, not both")
		} else if p.Count < 0 {
			add("chaos.experiments.podDeletion.count", "a number of pods, got %d", p.Count)
		} else if p.Count == 0 {
			percent("chaos.experiments.podDeletion.percent", p.Percent)
		}
	}
	if n := e.NodeTermination; n != nil {
		stops("chaos.experiments.nodeTermination", n.Experiment)
		if _, ok := c.Cluster.NodeGroups[n.NodeGroup]; !ok && len(c.Cluster.NodeGroups) > 0 {
			add("chaos.experiments.nodeTermination.nodeGroup", "a node group of cluster.nodeGroups, got %q", n.NodeGroup)
		}
		percent("chaos.experiments.nodeTermination.percent", n.Percent)
	}
	if d := e.DatabaseFailover; d != nil {
		stops("chaos.experiments.databaseFailover", *d)
	}
	if d := e.CacheFailover; d != nil {
		stops("chaos.experiments.cacheFailover", d.Experiment)
		if !slices.Contains(c.Network.AZs, d.AZ) {
			add("chaos.experiments.cacheFailover.az", "one of network.azs, got %q", d.AZ)
		}
	}
	if z := e.AZImpairment; z != nil {
		stops("chaos.experiments.azImpairment", z.Experiment)
		if !slices.Contains(c.Network.AZs, z.AZ) {
			add("chaos.experiments.azImpairment.az", "one of network.azs, got %q", z.AZ)
		}
		if !isoDuration.MatchString(z.Duration) || z.Duration == "PT" {
			add("chaos.experiments.azImpairment.duration", "an ISO 8601 duration such as PT10M, got %q", z.Duration)
		}
	}
	return errs
}
