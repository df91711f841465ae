package tracing

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/components/addons"
	"platform/internal/plan"
	"platform/internal/plantest"
	"platform/internal/policydoc"
)

const (
	bucket    = "platform-prod-use1-traces-111122223333"
	bucketArn = "arn:aws:s3:::" + bucket
	tracesKey = "arn:aws:kms:us-east-1:111122223333:key/traces"
	boundary  = "arn:aws:iam::111122223333:policy/boundary"
)

func charts() map[string]addons.Chart {
	return map[string]addons.Chart{
		CollectorChart: {Repository: "https://open-telemetry.github.io/opentelemetry-helm-charts", Version: "0.170.0"},
		TempoChart:     {Repository: "https://grafana-community.github.io/helm-charts", Version: "2.26.2"},
	}
}

func baseArgs() *TracingArgs {
	return &TracingArgs{
		Namer: plantest.Namer("us-east-1"), ClusterName: pulumi.String("platform-prod-use1"),
		PermissionBoundaryArn: pulumi.String(boundary),
		Charts:                charts(),
		TracesBucket:          pulumi.String(bucket), TracesBucketArn: pulumi.String(bucketArn), TracesKmsKeyArn: pulumi.String(tracesKey),
		BucketExpirationDays: 30, RetentionDays: 14,
		Sampling:          Sampling{SlowThresholdMs: 1500, BaselinePercent: 10},
		CollectorReplicas: 2, TempoReplicas: 3,
		StorageClass: "gp3-encrypted", WALVolumeGi: 20,
		XRay: XRay{APIServiceName: "mita-backend", Priority: 100, ReservoirSize: 1, FixedRate: 0.05, HealthURLPath: "/health*"},
	}
}

func planTracing(t *testing.T, mutate func(*TracingArgs)) *plan.Plan {
	t.Helper()
	args := baseArgs()
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithProviders(t, "us-east-1", func(ctx *pulumi.Context, aws, k8s pulumi.ResourceOption) error {
		_, err := NewTracing(ctx, "tracing", args, aws, k8s)
		return err
	})
}

func release(t *testing.T, p *plan.Plan, name string) plan.Resource {
	t.Helper()
	r, ok := p.Named("kubernetes:helm.sh/v3:Release", "tracing-"+name)
	require.True(t, ok, name)
	return r
}

// valuesOf returns a value of a release's values by path.
func valuesOf(t *testing.T, p *plan.Plan, name string) func(path ...any) any {
	r := release(t, p, name)
	return func(path ...any) any { return plantest.Input(r, append([]any{"values"}, path...)...) }
}

func TestChildren(t *testing.T) {
	p := planTracing(t, nil)
	assert.Equal(t, map[string]int{
		"kubernetes:helm.sh/v3:Release":                         3,
		"platform:cluster:WorkloadRole":                         3,
		"aws:eks/podIdentityAssociation:PodIdentityAssociation": 3,
		"aws:xray/samplingRule:SamplingRule":                    2,
		"aws:xray/group:Group":                                  1,
	}, p.ChildTypes("platform:tracing:Tracing", "tracing"))
	plantest.AssertProviders(t, p, "us-east-1")
}

func TestReleases(t *testing.T) {
	p := planTracing(t, nil)
	for name, chart := range map[string]string{GatewayRelease: CollectorChart, SamplerRelease: CollectorChart, TempoRelease: TempoChart} {
		r := release(t, p, name)
		assert.Equal(t, name, r.Inputs["name"], "a fixed release name keeps the Services' names")
		assert.Equal(t, chart, r.Inputs["chart"])
		assert.Equal(t, charts()[chart].Version, r.Inputs["version"], "%s is pinned", name)
		assert.Equal(t, charts()[chart].Repository, plantest.Input(r, "repositoryOpts", "repo"))
		assert.Equal(t, Namespace, r.Inputs["namespace"])
		assert.Equal(t, false, r.Inputs["createNamespace"], "the baseline owns the namespace")
		assert.Equal(t, true, r.Inputs["atomic"], "a failed upgrade rolls back")
	}
	// Tempo, then the sampler exporting to it, then the gateway routing
	// to the sampler; each after its Pod Identity association.
	assert.Contains(t, release(t, p, SamplerRelease).DependsOn, release(t, p, TempoRelease).URN)
	assert.Contains(t, release(t, p, GatewayRelease).DependsOn, release(t, p, SamplerRelease).URN)
	for _, name := range []string{GatewayRelease, SamplerRelease, TempoRelease} {
		assoc, ok := p.Named("aws:eks/podIdentityAssociation:PodIdentityAssociation", "tracing-"+name)
		require.True(t, ok)
		assert.Contains(t, release(t, p, name).DependsOn, assoc.URN, "%s starts with its credentials in place", name)
	}
}

// assertRestricted checks a container security context and its pod's.
func assertRestricted(t *testing.T, sc, pod any, user float64) {
	t.Helper()
	assert.Equal(t, map[string]any{
		"runAsNonRoot": true, "runAsUser": user, "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
		"capabilities": map[string]any{"drop": []any{"ALL"}}, "seccompProfile": map[string]any{"type": "RuntimeDefault"},
	}, sc)
	podSC := pod.(map[string]any)
	assert.Equal(t, true, podSC["runAsNonRoot"])
	assert.Equal(t, map[string]any{"type": "RuntimeDefault"}, podSC["seccompProfile"])
}

func assertCollectorPod(t *testing.T, v func(...any) any, release string, replicas float64) {
	t.Helper()
	assert.Equal(t, "deployment", v("mode"), "a gateway Deployment, not a node agent")
	assert.Equal(t, release, v("fullnameOverride"))
	assert.Equal(t, replicas, v("replicaCount"))
	assert.Equal(t, CollectorImage, v("image", "repository"))
	assert.Equal(t, CollectorImageTag, v("image", "tag"), "the contrib image is pinned")
	assert.Equal(t, map[string]any{"enabled": true, "maxUnavailable": 1.0}, v("podDisruptionBudget"))
	labels := map[string]any{"app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": release}
	assert.Equal(t, map[string]any{
		"maxSkew": 1.0, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
		"labelSelector": map[string]any{"matchLabels": labels},
	}, v("topologySpreadConstraints", 0), "replicas in different zones")
	assert.NotEmpty(t, v("resources", "requests", "cpu"))
	assert.NotEmpty(t, v("resources", "requests", "memory"))
	assert.NotEmpty(t, v("resources", "limits", "memory"), "a memory limit: GOMEMLIMIT and memory_limiter derive from it")
	assertRestricted(t, v("securityContext"), v("podSecurityContext"), 10001)
	assert.Equal(t, release, v("serviceAccount", "name"), "the Pod Identity association names this service account")
	for _, port := range []string{"jaeger-compact", "jaeger-thrift", "jaeger-grpc", "zipkin"} {
		assert.Equal(t, false, v("ports", port, "enabled"), "%s: only OTLP is received", port)
	}
	assert.Equal(t, true, v("serviceMonitor", "enabled"))
	assert.Equal(t, true, v("ports", "metrics", "enabled"))
	assert.Contains(t, v("alternateConfig", "service", "extensions"), "health_check", "the chart's probes need health_check")
	assert.Equal(t, "${env:MY_POD_IP}:13133", v("alternateConfig", "extensions", "health_check", "endpoint"))
	assert.Equal(t, []any{"otlp"}, v("alternateConfig", "service", "pipelines", "traces", "receivers"))
	assert.Equal(t, map[string]any{"check_interval": "1s", "limit_percentage": 80.0, "spike_limit_percentage": 25.0},
		v("alternateConfig", "processors", "memory_limiter"))
	assert.Equal(t, "memory_limiter", v("alternateConfig", "service", "pipelines", "traces", "processors", 0), "memory_limiter first")
	assert.Len(t, v("alternateConfig", "service", "pipelines"), 1, "traces only")
	assert.Len(t, v("alternateConfig", "receivers"), 1, "OTLP only: no Jaeger, Zipkin or Prometheus receiver")
}

func TestGateway(t *testing.T) {
	p := planTracing(t, nil)
	v := valuesOf(t, p, GatewayRelease)
	assertCollectorPod(t, v, GatewayRelease, 2)
	assert.Equal(t, true, v("serviceAccount", "automountServiceAccountToken"), "k8s_attributes reads the API")
	for _, port := range []string{"otlp", "otlp-http", "xray-proxy"} {
		assert.Equal(t, true, v("ports", port, "enabled"), port)
	}
	assert.Equal(t, float64(OTLPGRPCPort), v("ports", "otlp", "servicePort"))
	assert.Equal(t, float64(OTLPHTTPPort), v("ports", "otlp-http", "servicePort"))
	assert.Equal(t, float64(XRayProxyPort), v("ports", "xray-proxy", "servicePort"))
	assert.Nil(t, v("service", "clusterIP"), "applications reach the gateway through its cluster IP")
	// Read-only access to pods, namespaces and replica sets.
	assert.Equal(t, true, v("clusterRole", "create"))
	for _, rule := range v("clusterRole", "rules").([]any) {
		r := rule.(map[string]any)
		assert.Equal(t, []any{"get", "list", "watch"}, r["verbs"])
		assert.NotContains(t, r["resources"], "secrets")
	}
	cfg := func(path ...any) any { return v(append([]any{"alternateConfig"}, path...)...) }
	assert.Equal(t, "${env:MY_POD_IP}:4317", cfg("receivers", "otlp", "protocols", "grpc", "endpoint"))
	assert.Equal(t, "${env:MY_POD_IP}:4318", cfg("receivers", "otlp", "protocols", "http", "endpoint"))
	assert.Equal(t, []any{"memory_limiter", "k8s_attributes", "batch"}, cfg("service", "pipelines", "traces", "processors"),
		"k8s_attributes sees the sending pod's connection: before anything regroups spans")
	assert.Equal(t, []any{map[string]any{"from": "connection"}}, cfg("processors", "k8s_attributes", "pod_association", 1, "sources"))
	assert.Contains(t, cfg("processors", "k8s_attributes", "extract", "metadata"), "k8s.deployment.name")
	assert.Nil(t, cfg("processors", "tail_sampling"), "the gateway does not sample: it sees only part of each trace")
	assert.Equal(t, []any{"load_balancing"}, cfg("service", "pipelines", "traces", "exporters"))
	assert.Equal(t, "traceID", cfg("exporters", "load_balancing", "routing_key"), "all spans of a trace go to one sampler")
	assert.Equal(t, SamplerService, cfg("exporters", "load_balancing", "resolver", "dns", "hostname"))
	assert.Equal(t, []any{"health_check", "awsproxy"}, cfg("service", "extensions"))
	assert.Equal(t, map[string]any{"endpoint": "${env:MY_POD_IP}:2000", "region": "us-east-1", "local_mode": true}, cfg("extensions", "awsproxy"))
}

func TestSampler(t *testing.T) {
	p := planTracing(t, func(a *TracingArgs) {
		a.CollectorReplicas = 3
		a.Sampling = Sampling{SlowThresholdMs: 2000, BaselinePercent: 12.5}
	})
	v := valuesOf(t, p, SamplerRelease)
	assertCollectorPod(t, v, SamplerRelease, 3)
	assert.Equal(t, "None", v("service", "clusterIP"), "headless: the gateway resolves every sampler")
	assert.Equal(t, false, v("serviceAccount", "automountServiceAccountToken"), "the sampler never calls the Kubernetes API")
	assert.Equal(t, true, v("ports", "otlp", "enabled"))
	assert.Equal(t, false, v("ports", "otlp-http", "enabled"))
	assert.Equal(t, false, v("clusterRole", "create"), "no cluster-wide read")
	cfg := func(path ...any) any { return v(append([]any{"alternateConfig"}, path...)...) }
	assert.Equal(t, []any{"memory_limiter", "tail_sampling", "batch"}, cfg("service", "pipelines", "traces", "processors"))
	assert.Equal(t, []any{
		map[string]any{"name": "errors", "type": "status_code", "status_code": map[string]any{"status_codes": []any{"ERROR"}}},
		map[string]any{"name": "slow", "type": "latency", "latency": map[string]any{"threshold_ms": 2000.0}},
		map[string]any{"name": "baseline", "type": "probabilistic", "probabilistic": map[string]any{"sampling_percentage": 12.5}},
	}, cfg("processors", "tail_sampling", "policies"))
	assert.Equal(t, "30s", cfg("processors", "tail_sampling", "decision_wait"))
	assert.Equal(t, float64(sampledCacheSize), cfg("processors", "tail_sampling", "decision_cache", "sampled_cache_size"), "late spans of kept traces are kept")
	assert.Equal(t, 2048.0, cfg("processors", "batch", "send_batch_max_size"), "requests stay under Tempo's 4 MiB gRPC limit")
	assert.Equal(t, []any{"otlp_grpc/tempo", "awsxray"}, cfg("service", "pipelines", "traces", "exporters"))
	assert.Equal(t, "tempo-distributor.monitoring.svc.cluster.local:4317", cfg("exporters", "otlp_grpc/tempo", "endpoint"))
	assert.Equal(t, map[string]any{"region": "us-east-1", "local_mode": true, "telemetry": map[string]any{"enabled": true}}, cfg("exporters", "awsxray"))
	assert.Nil(t, cfg("receivers", "otlp", "protocols", "http"), "only the gateway sends, over gRPC")
}

func TestTempo(t *testing.T) {
	p := planTracing(t, nil)
	v := valuesOf(t, p, TempoRelease)
	assert.Equal(t, map[string]any{
		"bucket": bucket, "endpoint": "s3.us-east-1.amazonaws.com", "region": "us-east-1", "insecure": false,
		"sse": map[string]any{"type": "SSE-KMS", "kms_key_id": tracesKey},
	}, v("storage", "trace", "s3"), "blocks in the bucket, under its key; no access_key or secret_key: Pod Identity")
	assert.Equal(t, "s3", v("storage", "trace", "backend"))
	assert.Equal(t, "336h", v("compactor", "config", "compaction", "block_retention"), "14 days")
	assert.Equal(t, TempoRelease, v("fullnameOverride"))
	assert.Equal(t, TempoRelease, v("serviceAccount", "name"))
	assert.Equal(t, false, v("reportingEnabled"))
	assert.Equal(t, TempoImageTag, v("tempo", "image", "tag"))
	assertRestricted(t, v("tempo", "securityContext"), v("tempo", "podSecurityContext"), 1000)
	assert.Equal(t, 1000.0, v("tempo", "podSecurityContext", "fsGroup"), "the WAL volume is writable by the user")
	assert.Equal(t, map[string]any{"grpc": map[string]any{"enabled": true}, "http": map[string]any{"enabled": false}}, v("traces", "otlp"))
	// The ingesters: three copies of each trace, in three zones, on
	// encrypted volumes.
	assert.Equal(t, 3.0, v("ingester", "replicas"))
	assert.Equal(t, 3.0, v("ingester", "config", "replication_factor"))
	assert.Equal(t, map[string]any{"enabled": true, "size": "20Gi", "storageClass": "gp3-encrypted"}, v("ingester", "persistence"))
	assert.Contains(t, v("ingester", "topologySpreadConstraints"), "whenUnsatisfiable: DoNotSchedule")
	assert.Contains(t, v("ingester", "topologySpreadConstraints"), "topologyKey: topology.kubernetes.io/zone")
	assert.Equal(t, map[string]any{"enabled": true}, v("ingester", "podDisruptionBudget"))
	for _, c := range []string{"distributor", "querier", "queryFrontend", "memcached"} {
		assert.Equal(t, 2.0, v(c, "replicas"), c)
		assert.Equal(t, 1.0, v(c, "maxUnavailable"), c)
		assert.Equal(t, map[string]any{"enabled": true}, v(c, "podDisruptionBudget"), c)
	}
	for _, c := range []string{"distributor", "ingester", "querier", "queryFrontend", "compactor", "memcached"} {
		assert.NotEmpty(t, v(c, "resources", "requests", "memory"), c)
		assert.NotEmpty(t, v(c, "resources", "limits", "memory"), c)
	}
	assert.Equal(t, true, v("metaMonitoring", "serviceMonitor", "enabled"))

	hours := valuesOf(t, planTracing(t, func(a *TracingArgs) { a.RetentionDays = 0; a.RetentionHours = 72 }), TempoRelease)
	assert.Equal(t, "72h", hours("compactor", "config", "compaction", "block_retention"))
}

// rolePolicy is the inline policy of a release's role.
func rolePolicy(t *testing.T, p *plan.Plan, release string) policydoc.Document {
	t.Helper()
	r, ok := p.Named("aws:iam/rolePolicy:RolePolicy", "tracing-"+release)
	require.True(t, ok, release)
	var d policydoc.Document
	require.NoError(t, json.Unmarshal([]byte(r.Inputs["policy"].(string)), &d))
	return d
}

func TestRoles(t *testing.T) {
	p := planTracing(t, nil)
	gateway := rolePolicy(t, p, GatewayRelease)
	require.Len(t, gateway.Statement, 1)
	assert.Equal(t, []any{"xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"}, gateway.Statement[0].Action)
	assert.Equal(t, "*", gateway.Statement[0].Resource, "X-Ray's sampling calls have no resource-level permissions")

	sampler := rolePolicy(t, p, SamplerRelease)
	require.Len(t, sampler.Statement, 1)
	assert.Equal(t, []any{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, sampler.Statement[0].Action)
	assert.Equal(t, "*", sampler.Statement[0].Resource, "X-Ray's writes have no resource-level permissions")

	tempo := rolePolicy(t, p, TempoRelease)
	require.Len(t, tempo.Statement, 3)
	assert.Equal(t, "s3:ListBucket", tempo.Statement[0].Action)
	assert.Equal(t, bucketArn, tempo.Statement[0].Resource, "only the traces bucket")
	assert.Equal(t, []any{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, tempo.Statement[1].Action)
	assert.Equal(t, bucketArn+"/*", tempo.Statement[1].Resource)
	assert.Equal(t, []any{"kms:Decrypt", "kms:GenerateDataKey"}, tempo.Statement[2].Action)
	assert.Equal(t, tracesKey, tempo.Statement[2].Resource, "only the bucket's key")
	assert.Equal(t, "s3.us-east-1.amazonaws.com", tempo.Statement[2].Condition["StringEquals"]["kms:ViaService"], "the key is usable through S3 only")
	for _, d := range []policydoc.Document{gateway, sampler, tempo} {
		for _, s := range d.Statement {
			assert.Equal(t, policydoc.Allow, s.Effect)
		}
	}
	for _, name := range []string{GatewayRelease, SamplerRelease, TempoRelease} {
		role, ok := p.Named("aws:iam/role:Role", "tracing-"+name)
		require.True(t, ok, name)
		assert.Equal(t, boundary, role.Inputs["permissionsBoundary"], "%s's role is bounded", name)
		assert.Equal(t, "platform-prod-use1-tracing-"+name, role.Inputs["name"])
		assert.Contains(t, role.Inputs["assumeRolePolicy"], `"aws:RequestTag/kubernetes-service-account":"`+name+`"`)
	}
}

func TestPodIdentity(t *testing.T) {
	p := planTracing(t, nil)
	bound := map[string]string{}
	for _, r := range p.OfType("aws:eks/podIdentityAssociation:PodIdentityAssociation") {
		assert.Equal(t, "platform-prod-use1", r.Inputs["clusterName"])
		bound[r.Inputs["namespace"].(string)+"/"+r.Inputs["serviceAccount"].(string)] = r.Name
	}
	assert.Equal(t, map[string]string{
		"monitoring/otel-gateway": "tracing-otel-gateway",
		"monitoring/otel-sampler": "tracing-otel-sampler",
		"monitoring/tempo":        "tracing-tempo",
	}, bound, "one role per release, bound to exactly its service account")
	// The charts create the service accounts the associations name.
	assert.Equal(t, GatewayRelease, valuesOf(t, p, GatewayRelease)("serviceAccount", "name"))
	assert.Equal(t, SamplerRelease, valuesOf(t, p, SamplerRelease)("serviceAccount", "name"))
	assert.Equal(t, TempoRelease, valuesOf(t, p, TempoRelease)("serviceAccount", "name"))
}

func TestXRay(t *testing.T) {
	p := planTracing(t, nil)
	api, ok := p.Named("aws:xray/samplingRule:SamplingRule", "tracing-api")
	require.True(t, ok)
	health, ok := p.Named("aws:xray/samplingRule:SamplingRule", "tracing-health")
	require.True(t, ok)
	assert.Equal(t, map[string]any{
		"ruleName": "platform-prod-use1-tracing-api", "priority": 100.0, "reservoirSize": 1.0, "fixedRate": 0.05,
		"serviceName": "mita-backend", "serviceType": "*", "host": "*", "httpMethod": "*", "urlPath": "*",
		"resourceArn": "*", "version": 1.0,
	}, api.Inputs)
	assert.Equal(t, 99.0, health.Inputs["priority"], "evaluated before the API's rule")
	assert.Equal(t, 0.0, health.Inputs["fixedRate"], "health checks are never traced")
	assert.Equal(t, 0.0, health.Inputs["reservoirSize"])
	assert.Equal(t, "/health*", health.Inputs["urlPath"])
	assert.Equal(t, "*", health.Inputs["serviceName"], "any service's health endpoints")
	assert.LessOrEqual(t, len(health.Inputs["ruleName"].(string)), 32, "X-Ray names are at most 32 characters")
	assert.NotEqual(t, api.Inputs["ruleName"], health.Inputs["ruleName"])

	group, ok := p.Named("aws:xray/group:Group", "tracing-api")
	require.True(t, ok)
	assert.Equal(t, `service("mita-backend")`, group.Inputs["filterExpression"])
	assert.Equal(t, map[string]any{"insightsEnabled": true, "notificationsEnabled": true}, group.Inputs["insightsConfiguration"])
	assert.LessOrEqual(t, len(group.Inputs["groupName"].(string)), 32)
}

func TestGrafanaDatasources(t *testing.T) {
	only := GrafanaDatasources("")
	require.Len(t, only, 1, "Loki is provisioned elsewhere")
	tempo := only[0]
	assert.Equal(t, "tempo", tempo["type"])
	assert.Equal(t, TempoDatasourceUID, tempo["uid"])
	assert.Equal(t, "http://tempo-query-frontend.monitoring.svc.cluster.local:3200", tempo["url"])
	link := tempo["jsonData"].(map[string]any)["tracesToLogsV2"].(map[string]any)
	assert.Equal(t, LokiDatasourceUID, link["datasourceUid"])
	assert.Equal(t, true, link["filterByTraceID"])
	assert.Equal(t, "-5m", link["spanStartTimeShift"])
	assert.Equal(t, "5m", link["spanEndTimeShift"])
	assert.Equal(t, []any{map[string]any{"key": "service.name", "value": "app"}}, link["tags"])

	both := GrafanaDatasources("http://loki-gateway.monitoring.svc.cluster.local")
	require.Len(t, both, 2)
	loki := both[1]
	assert.Equal(t, LokiDatasourceUID, loki["uid"], "the uid the trace-to-logs link names")
	field := loki["jsonData"].(map[string]any)["derivedFields"].([]any)[0].(map[string]any)
	assert.Equal(t, TempoDatasourceUID, field["datasourceUid"], "a log line's trace opens in Tempo")
	assert.Equal(t, "$${__value.raw}", field["url"])
	// The datasources are plain YAML-able values for the chart.
	_, err := json.Marshal(both)
	assert.NoError(t, err)
}

func TestEndpoints(t *testing.T) {
	assert.Equal(t, "otel-gateway.monitoring.svc.cluster.local:"+strconv.Itoa(OTLPGRPCPort), OTLPGRPCEndpoint)
	assert.Equal(t, "http://otel-gateway.monitoring.svc.cluster.local:"+strconv.Itoa(OTLPHTTPPort), OTLPHTTPEndpoint)
	assert.Equal(t, "http://otel-gateway.monitoring.svc.cluster.local:"+strconv.Itoa(XRayProxyPort), XRaySamplingEndpoint)
	assert.True(t, strings.HasSuffix(TempoQueryURL, ":"+strconv.Itoa(TempoHTTPPort)))
	assert.True(t, strings.HasSuffix(TempoDistributor, ":"+strconv.Itoa(OTLPGRPCPort)))
}

func TestValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*TracingArgs)
		want   []string
	}{
		{"nothing", func(a *TracingArgs) { *a = TracingArgs{} }, []string{
			"namer: region and account id are required",
			"charts.opentelemetry-collector: pin the chart", "charts.tempo-distributed: pin the chart",
			"collectorReplicas: at least 2", "tempoReplicas: at least 3", "sampling.slowThresholdMs",
			"retentionHours, retentionDays: set exactly one", "bucketExpirationDays", "storageClass", "walVolumeGi",
			"xray.apiServiceName", "xray.priority", "xray.healthUrlPath",
			"clusterName: is required", "tracesBucket: is required", "tracesBucketArn: is required", "tracesKmsKeyArn: is required",
		}},
		{"chart ranges and unknown charts", func(a *TracingArgs) {
			a.Charts[CollectorChart] = addons.Chart{Repository: "http://example.com", Version: "^0.170"}
			a.Charts["tempo"] = addons.Chart{Repository: "https://grafana.github.io/helm-charts", Version: "1.24.4"}
		}, []string{
			"charts.opentelemetry-collector.repository: must be an https chart repository",
			"charts.opentelemetry-collector.version: must be an exact chart version",
			"charts.tempo: not a chart tracing installs (opentelemetry-collector, tempo-distributed)",
		}},
		{"tempo 3 needs Kafka", func(a *TracingArgs) {
			a.Charts[TempoChart] = addons.Chart{Repository: "https://grafana-community.github.io/helm-charts", Version: "3.3.0"}
		},
			[]string{"charts.tempo-distributed.version: the values are written for the 2.x chart"}},
		{"one replica", func(a *TracingArgs) { a.CollectorReplicas = 1; a.TempoReplicas = 2 },
			[]string{"collectorReplicas: at least 2 per tier, spread over zones, got 1", "tempoReplicas: at least 3 ingesters"}},
		{"sampling out of range", func(a *TracingArgs) { a.Sampling = Sampling{SlowThresholdMs: 0, BaselinePercent: 101} },
			[]string{"sampling.baselinePercent: a percentage from 0 to 100, got 101", "sampling.slowThresholdMs: above 0"}},
		{"slow threshold beyond the decision window", func(a *TracingArgs) { a.Sampling.SlowThresholdMs = 30000 },
			[]string{"sampling.slowThresholdMs: above 0 and below the 30000 ms decision window"}},
		{"retention as long as the bucket", func(a *TracingArgs) { a.RetentionDays = 30 },
			[]string{"retentionHours, retentionDays: Tempo's retention (720h) must be shorter than the bucket's expiration (30 days)"}},
		{"both retentions", func(a *TracingArgs) { a.RetentionHours = 48 },
			[]string{"retentionHours, retentionDays: set exactly one, got 48 hours and 14 days"}},
		{"bucket never expires", func(a *TracingArgs) { a.BucketExpirationDays = 0 },
			[]string{"bucketExpirationDays: the traces bucket must expire objects"}},
		{"x-ray", func(a *TracingArgs) {
			a.XRay = XRay{APIServiceName: `api") OR service("x`, Priority: 1, ReservoirSize: -1, FixedRate: 5, HealthURLPath: "health"}
		}, []string{
			"xray.apiServiceName: the API's service.name", "xray.priority: from 2 to 9999", "xray.reservoirSize: must not be negative",
			"xray.fixedRate: a fraction from 0 to 1 (0.05 is 5%), got 5", `xray.healthUrlPath: a URL path starting with /`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewTracing(ctx, "tracing", args, nil, nil)
				return err
			}, tc.want...)
		})
	}
	assert.NoError(t, baseArgs().Validate())
	low := baseArgs()
	low.Sampling.BaselinePercent = 0
	assert.NoError(t, low.Validate(), "errors and slow traces only is a valid policy")
}
