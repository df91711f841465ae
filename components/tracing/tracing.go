// Package tracing owns the platform's distributed tracing: an
// OpenTelemetry Collector gateway that the applications send OTLP to, a
// tail-sampling collector tier behind it, Tempo storing the kept traces
// in the caller's S3 bucket (made with components/storage), X-Ray
// receiving the same traces with a sampling rule and an Insights group
// for the API, and the Grafana datasource that links a trace to its
// logs. Everything runs in the monitoring namespace, next to the Grafana
// of kube-prometheus-stack that queries Tempo. Each part that calls AWS
// has its own Pod Identity role (iam.go); the charts' values are typed
// (values.go).
//
// Two collector tiers. Tail sampling needs every span of a trace in one
// collector process, and a Deployment behind a Service spreads spans of
// a trace over all replicas. So the gateway (otel-gateway) only receives,
// adds Kubernetes metadata and routes each span by trace ID with the
// load_balancing exporter to one pod of the sampler tier (otel-sampler,
// found through its headless Service); the sampler decides and exports.
// When the samplers scale or restart, about 1/N of the traces in flight
// are routed elsewhere and judged on part of their spans: accepted.
//
// Why tempo-distributed 2.x: the single-binary tempo chart runs one
// StatefulSet with no memberlist join, no headless Service and no
// PodDisruptionBudget, so with more than one replica each replica would
// ingest and compact alone on the shared bucket (queries missing recent
// data, compactors racing). tempo-distributed 2.x replicates each trace
// to three ingesters over memberlist, spreads them over zones, has PDBs,
// and needs no Kafka (the 3.x chart, for Tempo 3, requires Kafka).
//
// Head and tail sampling. The X-Ray rules decide which requests an
// application using X-Ray remote sampling (through the gateway's awsproxy
// on XRaySamplingEndpoint) records at all; the sampler then keeps every
// trace with an error, every trace slower than the threshold and a
// baseline share of the rest. An error in a request the head sampler
// skipped is never seen: a service that must keep every error exports
// all its spans (parent-based always-on) and leaves the decision to the
// sampler.
//
// OTLP inside the cluster is plaintext between pods in the VPC (the
// platform runs no mesh); the namespace's network policies decide who
// reaches the gateway, the sampler and Tempo.
package tracing

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/xray"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/addons"
	"platform/components/cluster"
	"platform/internal/naming"
	"platform/internal/policydoc"
)

// Where tracing runs, its releases (also the names of their Services and
// service accounts) and the charts they install.
const (
	Namespace      = "monitoring"
	GatewayRelease = "otel-gateway"
	SamplerRelease = "otel-sampler"
	TempoRelease   = "tempo"
	CollectorChart = "opentelemetry-collector"
	TempoChart     = "tempo-distributed"
)

// The ports applications and network policies need: OTLP gRPC and HTTP
// and the X-Ray sampling proxy on the gateway; the collectors' metrics;
// Tempo's HTTP API (queries) on the query-frontend.
const (
	OTLPGRPCPort  = 4317
	OTLPHTTPPort  = 4318
	XRayProxyPort = 2000
	MetricsPort   = 8888
	TempoHTTPPort = 3200
)

// The endpoints, by Service DNS name. Applications set
// OTEL_EXPORTER_OTLP_ENDPOINT to OTLPHTTPEndpoint (or OTLPGRPCEndpoint
// for gRPC exporters) and point an X-Ray remote sampler at
// XRaySamplingEndpoint.
const (
	GatewayService       = GatewayRelease + "." + Namespace + ".svc.cluster.local"
	OTLPGRPCEndpoint     = GatewayService + ":4317"
	OTLPHTTPEndpoint     = "http://" + GatewayService + ":4318"
	XRaySamplingEndpoint = "http://" + GatewayService + ":2000"
	// SamplerService is headless: it resolves to every ready sampler.
	SamplerService   = SamplerRelease + "." + Namespace + ".svc.cluster.local"
	TempoDistributor = TempoRelease + "-distributor." + Namespace + ".svc.cluster.local:4317"
	TempoQueryURL    = "http://" + TempoRelease + "-query-frontend." + Namespace + ".svc.cluster.local:3200"
)

// The Grafana datasources' uids: Tempo's, and the Loki one its
// trace-to-logs link points at.
const (
	TempoDatasourceUID = "tempo"
	LokiDatasourceUID  = "loki"
)

// Sampling is the sampler's tail-sampling policy. Traces with an error
// span are always kept; there is no switch for that.
type Sampling struct {
	// SlowThresholdMs: traces longer than this are kept. Below the
	// 30-second decision window.
	SlowThresholdMs int
	// BaselinePercent of the other traces are kept (0 to 100).
	BaselinePercent float64
}

// XRay configures X-Ray's sampling rules and group for the API.
type XRay struct {
	// APIServiceName is the service.name the API reports ("mita-backend").
	APIServiceName string
	// Priority of the API's rule (2 to 9999; smaller is evaluated first).
	// The health-check rule gets Priority-1, so it is evaluated before.
	Priority int
	// ReservoirSize requests per second are traced before FixedRate (a
	// fraction, 0 to 1) applies.
	ReservoirSize int
	FixedRate     float64
	// HealthURLPath matches the health endpoints, X-Ray wildcards allowed
	// ("/health*"); they are never traced.
	HealthURLPath string
}

// TracingArgs configure tracing for one cluster.
type TracingArgs struct {
	Namer naming.Namer
	// ClusterName is the EKS cluster the Pod Identity associations are in.
	ClusterName pulumi.StringInput
	// PermissionBoundaryArn bounds the three roles.
	PermissionBoundaryArn pulumi.StringInput
	// Charts pins opentelemetry-collector and tempo-distributed (2.x).
	Charts map[string]addons.Chart
	// TracesBucket (name and ARN) holds Tempo's blocks, encrypted with
	// TracesKmsKeyArn; the caller makes it with components/storage.
	TracesBucket, TracesBucketArn, TracesKmsKeyArn pulumi.StringInput
	// BucketExpirationDays is the bucket's lifecycle expiration; Tempo's
	// retention must end before it, so Tempo deletes its own blocks.
	BucketExpirationDays int
	// RetentionHours or RetentionDays (one of them) is Tempo's block
	// retention.
	RetentionHours, RetentionDays int
	Sampling                      Sampling
	// CollectorReplicas of each collector tier (at least 2).
	CollectorReplicas int
	// TempoReplicas is the number of ingesters (at least 3: each trace is
	// written to three). The stateless parts run 2 replicas each.
	TempoReplicas int
	// StorageClass and WALVolumeGi: the ingesters' write-ahead log.
	StorageClass string
	WALVolumeGi  int
	XRay         XRay
	// DependsOn: the namespace, the storage class, kube-prometheus-stack
	// (its ServiceMonitor CRD) and the bucket.
	DependsOn []pulumi.Resource
}

// retentionHours is the block retention in hours.
func (a TracingArgs) retentionHours() int {
	if a.RetentionDays > 0 {
		return a.RetentionDays * 24
	}
	return a.RetentionHours
}

// ChartNames are the charts tracing installs, sorted.
func ChartNames() []string { return []string{CollectorChart, TempoChart} }

var (
	// serviceName is what the X-Ray filter expression quotes.
	serviceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	urlPath     = regexp.MustCompile(`^/[A-Za-z0-9/._~*?-]{0,127}$`)
	tempoMajor2 = regexp.MustCompile(`^v?2\.`)
)

// Validate reports every problem with its field path.
func (a TracingArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.Region == "" || a.Namer.AccountID == "" {
		add("namer: region and account id are required")
	}
	for _, e := range addons.PinnedCharts(a.Charts, ChartNames()) {
		add("charts.%s: %s", e.Path, e.Message)
	}
	if c, ok := a.Charts[TempoChart]; ok && !tempoMajor2.MatchString(c.Version) {
		add("charts.%s.version: the values are written for the 2.x chart (Tempo 2 with ingesters; 3.x needs Kafka), got %q", TempoChart, c.Version)
	}
	for _, name := range slices.Sorted(maps.Keys(a.Charts)) {
		if !slices.Contains(ChartNames(), name) {
			add("charts.%s: not a chart tracing installs (%s)", name, strings.Join(ChartNames(), ", "))
		}
	}
	if a.CollectorReplicas < 2 {
		add("collectorReplicas: at least 2 per tier, spread over zones, got %d", a.CollectorReplicas)
	}
	if a.TempoReplicas < 3 {
		add("tempoReplicas: at least 3 ingesters, one per zone (each trace is written to 3), got %d", a.TempoReplicas)
	}
	if a.Sampling.BaselinePercent < 0 || a.Sampling.BaselinePercent > 100 {
		add("sampling.baselinePercent: a percentage from 0 to 100, got %v", a.Sampling.BaselinePercent)
	}
	if a.Sampling.SlowThresholdMs <= 0 || a.Sampling.SlowThresholdMs >= decisionWaitMs {
		add("sampling.slowThresholdMs: above 0 and below the %d ms decision window, got %d", decisionWaitMs, a.Sampling.SlowThresholdMs)
	}
	switch {
	case a.RetentionHours < 0 || a.RetentionDays < 0:
		add("retentionHours, retentionDays: must not be negative")
	case (a.RetentionHours > 0) == (a.RetentionDays > 0):
		add("retentionHours, retentionDays: set exactly one, got %d hours and %d days", a.RetentionHours, a.RetentionDays)
	}
	if a.BucketExpirationDays < 1 {
		add("bucketExpirationDays: the traces bucket must expire objects (its lifecycle's expiration days), got %d", a.BucketExpirationDays)
	} else if h := a.retentionHours(); h > 0 && h >= a.BucketExpirationDays*24 {
		add("retentionHours, retentionDays: Tempo's retention (%dh) must be shorter than the bucket's expiration (%d days), or S3 deletes blocks Tempo still lists", h, a.BucketExpirationDays)
	}
	if a.StorageClass == "" {
		add("storageClass: name the (encrypted) storage class of the ingesters' WAL")
	}
	if a.WALVolumeGi < 1 {
		add("walVolumeGi: at least 1, got %d", a.WALVolumeGi)
	}
	x := a.XRay
	if !serviceName.MatchString(x.APIServiceName) {
		add("xray.apiServiceName: the API's service.name, up to 64 letters, digits, '.', '_' or '-', got %q", x.APIServiceName)
	}
	if x.Priority < 2 || x.Priority > 9999 {
		add("xray.priority: from 2 to 9999 (the health rule takes priority-1), got %d", x.Priority)
	}
	if x.ReservoirSize < 0 {
		add("xray.reservoirSize: must not be negative, got %d", x.ReservoirSize)
	}
	if x.FixedRate < 0 || x.FixedRate > 1 {
		add("xray.fixedRate: a fraction from 0 to 1 (0.05 is 5%%), got %v", x.FixedRate)
	}
	if !urlPath.MatchString(x.HealthURLPath) {
		add("xray.healthUrlPath: a URL path starting with / (X-Ray wildcards * and ? allowed), up to 128 characters, got %q", x.HealthURLPath)
	}
	for field, v := range map[string]pulumi.StringInput{
		"clusterName": a.ClusterName, "tracesBucket": a.TracesBucket, "tracesBucketArn": a.TracesBucketArn, "tracesKmsKeyArn": a.TracesKmsKeyArn,
	} {
		if v == nil {
			add("%s: is required", field)
		}
	}
	slices.SortFunc(errs, func(x, y error) int { return strings.Compare(x.Error(), y.Error()) })
	return errors.Join(errs...)
}

// Tracing is the cluster's tracing.
type Tracing struct {
	pulumi.ResourceState

	// Releases by release name (otel-gateway, otel-sampler, tempo).
	Releases map[string]*helmv3.Release
	// APIGroupArn is the X-Ray group of the API's traces.
	APIGroupArn pulumi.StringOutput
}

// xrayName is X-Ray's naming domain: sampling rule and group names are
// 1 to 32 characters.
var xrayName = naming.Service{Name: "x-ray name", MaxLen: 32, Invalid: regexp.MustCompile(`[^A-Za-z0-9_-]+`), Sep: "-"}

// NewTracing installs Tempo, the sampler and the gateway with their Pod
// Identity roles (on the AWS provider, aws), the releases on the
// cluster's Kubernetes provider (k8s), and X-Ray's rules and group.
func NewTracing(ctx *pulumi.Context, name string, args *TracingArgs, aws, k8s pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*Tracing, error) {
	if args == nil {
		args = &TracingArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("tracing %s: %w", name, err)
	}
	a := *args
	c := &Tracing{Releases: map[string]*helmv3.Release{}}
	if err := ctx.RegisterComponentResourceV2("platform:tracing:Tracing", name, nil, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	fail := func(err error) (*Tracing, error) { return nil, fmt.Errorf("tracing %s: %w", name, err) }
	region := a.Namer.Region

	static := func(d policydoc.Document) pulumi.StringInput { return pulumi.String(d.JSON()) }
	tempoDoc := policydoc.FromOutputs(func(v []string) policydoc.Document {
		return tempoPolicy(region, v[0], v[1])
	}, a.TracesBucketArn, a.TracesKmsKeyArn)

	type part struct {
		release, chart string
		policy         pulumi.StringInput
		values         any
		refs           map[string]pulumi.StringInput
	}
	// Tempo first, then the sampler that exports to it, then the gateway
	// that routes to the sampler.
	parts := []part{
		{TempoRelease, TempoChart, tempoDoc, TempoValuesFor(a), map[string]pulumi.StringInput{refBucket: a.TracesBucket, refKey: a.TracesKmsKeyArn}},
		{SamplerRelease, CollectorChart, static(samplerPolicy()), SamplerValues(a), nil},
		{GatewayRelease, CollectorChart, static(gatewayPolicy()), GatewayValues(a), nil},
	}
	var previous pulumi.Resource
	for _, p := range parts {
		assoc, err := podIdentity(ctx, name+"-"+p.release, a, p.release, p.policy, aws, parent)
		if err != nil {
			return fail(err)
		}
		values, err := addons.ValuesMap(p.values, p.refs)
		if err != nil {
			return fail(err)
		}
		after := append([]pulumi.Resource{assoc}, a.DependsOn...)
		if previous != nil {
			after = append(after, previous)
		}
		chart := a.Charts[p.chart]
		release, err := addons.NewRelease(ctx, name+"-"+p.release, addons.Release{
			Name: p.release, Chart: p.chart, Namespace: Namespace, Pinned: chart, Values: values,
			// Ingesters join the ring one by one.
			TimeoutSeconds: 900,
		}, parent, k8s, pulumi.DependsOn(after))
		if err != nil {
			return fail(err)
		}
		c.Releases[p.release] = release
		previous = release
	}

	group, err := xraySampling(ctx, name, a, aws, parent)
	if err != nil {
		return fail(err)
	}
	c.APIGroupArn = group.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"apiGroupArn": group.Arn})
}

// podIdentity creates a release's role with its policy and binds it to
// the release's one service account in the namespace.
func podIdentity(ctx *pulumi.Context, name string, a TracingArgs, serviceAccount string, policy pulumi.StringInput, aws, parent pulumi.ResourceOption) (pulumi.Resource, error) {
	role, err := cluster.NewWorkloadRole(ctx, name, &cluster.WorkloadRoleArgs{
		Namer: a.Namer, Namespace: Namespace, ServiceAccount: serviceAccount,
		Policy: policy, PermissionBoundaryArn: a.PermissionBoundaryArn,
	}, parent, aws)
	if err != nil {
		return nil, err
	}
	return eks.NewPodIdentityAssociation(ctx, name, &eks.PodIdentityAssociationArgs{
		ClusterName: a.ClusterName, Namespace: pulumi.String(Namespace), ServiceAccount: pulumi.String(serviceAccount),
		RoleArn: role.Arn,
	}, parent, aws)
}

// xraySampling creates the API's sampling rule, the rule that never
// traces health checks (evaluated first), and the API's group with
// Insights and their notifications.
func xraySampling(ctx *pulumi.Context, name string, a TracingArgs, aws, parent pulumi.ResourceOption) (*xray.Group, error) {
	x, n := a.XRay, a.Namer
	rule := func(suffix, service, path string, priority, reservoir int, rate float64) error {
		_, err := xray.NewSamplingRule(ctx, name+"-"+suffix, &xray.SamplingRuleArgs{
			RuleName:      pulumi.String(n.Name(xrayName, name, suffix)),
			Priority:      pulumi.Int(priority),
			ReservoirSize: pulumi.Int(reservoir),
			FixedRate:     pulumi.Float64(rate),
			ServiceName:   pulumi.String(service),
			ServiceType:   pulumi.String("*"),
			Host:          pulumi.String("*"),
			HttpMethod:    pulumi.String("*"),
			UrlPath:       pulumi.String(path),
			ResourceArn:   pulumi.String("*"),
			Version:       pulumi.Int(1),
		}, parent, aws)
		return err
	}
	if err := rule("api", x.APIServiceName, "*", x.Priority, x.ReservoirSize, x.FixedRate); err != nil {
		return nil, err
	}
	// Any service's health endpoints: probes are noise, never a trace.
	if err := rule("health", "*", x.HealthURLPath, x.Priority-1, 0, 0); err != nil {
		return nil, err
	}
	return xray.NewGroup(ctx, name+"-api", &xray.GroupArgs{
		GroupName:        pulumi.String(n.Name(xrayName, name, "api")),
		FilterExpression: pulumi.String(fmt.Sprintf("service(%q)", x.APIServiceName)),
		InsightsConfiguration: &xray.GroupInsightsConfigurationArgs{
			InsightsEnabled: pulumi.Bool(true), NotificationsEnabled: pulumi.Bool(true),
		},
	}, parent, aws)
}

// GrafanaDatasources are the datasources the monitoring component adds
// to Grafana's additionalDataSources: Tempo, whose trace-to-logs link
// opens the logs of the span's service (its service.name is the logs'
// app label) around the span, filtered by trace ID; and, when lokiURL is
// given, the Loki datasource (uid LokiDatasourceUID) whose derived field
// opens the trace of a log line. Pass "" when another component
// provisions Loki with that uid.
func GrafanaDatasources(lokiURL string) []map[string]any {
	tempo := map[string]any{
		"name": "Tempo", "type": "tempo", "uid": TempoDatasourceUID, "access": "proxy", "url": TempoQueryURL,
		"editable": false,
		"jsonData": map[string]any{
			"tracesToLogsV2": map[string]any{
				"datasourceUid":      LokiDatasourceUID,
				"filterByTraceID":    true,
				"filterBySpanID":     false,
				"spanStartTimeShift": "-5m",
				"spanEndTimeShift":   "5m",
				"tags":               []any{map[string]any{"key": "service.name", "value": "app"}},
			},
			"lokiSearch": map[string]any{"datasourceUid": LokiDatasourceUID},
			"nodeGraph":  map[string]any{"enabled": true},
		},
	}
	if lokiURL == "" {
		return []map[string]any{tempo}
	}
	loki := map[string]any{
		"name": "Loki", "type": "loki", "uid": LokiDatasourceUID, "access": "proxy", "url": lokiURL,
		"editable": false,
		"jsonData": map[string]any{"derivedFields": []any{map[string]any{
			"name": "TraceID", "datasourceUid": TempoDatasourceUID,
			"matcherRegex": `(?:trace_id|traceId|traceID)["=: ]+([0-9a-f]{32})`,
			// $$ escapes $ in Grafana's provisioning files.
			"url": "$${__value.raw}", "urlDisplayLabel": "View trace",
		}}},
	}
	return []map[string]any{tempo, loki}
}
