// Package logging owns the cluster's logs: Fluent Bit as the one node
// agent (a pinned release in the logging namespace) that tails every
// container, parses JSON lines and adds Kubernetes metadata; Loki (a
// pinned release in the monitoring namespace, monolithic with three
// replicas: the chart's mode for tens of GB a day) storing chunks in an S3 bucket of ours under the logs
// key, with retention by its compactor and log-based alerts from its
// ruler to the platform's Alertmanager. The audit and security streams
// (Falco's events here, the EKS control plane's audit log in audit.go)
// are kept in the Object-Lock audit bucket and, where the stack has one,
// shipped to the OpenSearch domain for search. Each part that calls AWS
// has its own Pod Identity role with a least-privilege policy.
package logging

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/addons"
	"platform/components/cluster"
	"platform/components/monitoring"
	"platform/internal/naming"
	"platform/internal/policydoc"
	"platform/internal/promrules"
)

// Names of the releases (and charts), where they run, and what the
// audit stream is called in the bucket and the search domain.
const (
	Namespace = "logging"
	// LokiNamespace is where Loki runs: next to Grafana and Alertmanager,
	// at the restricted level. The logging namespace is privileged for
	// the node agents and holds nothing else.
	LokiNamespace = "monitoring"
	Loki          = "loki"
	FluentBit     = "fluent-bit"
	// LokiURL is Loki's HTTP API inside the cluster (Grafana's data
	// source, the agent's output).
	LokiURL = "http://loki." + LokiNamespace + ".svc.cluster.local:3100"
	// RuleLabel marks the ConfigMaps the Loki ruler loads.
	RuleLabel = "loki_rule"
	// FalcoPrefix is where Falco's events go in the audit bucket;
	// SecurityIndex their index prefix in OpenSearch.
	FalcoPrefix   = "falco"
	SecurityIndex = "security"
	// FluentBitImage pins the agent (the chart's appVersion).
	FluentBitImage = "cr.fluentbit.io/fluent/fluent-bit"
	FluentBitTag   = "5.1.1"
	// schemaFrom is the first day of the index schema; a later schema
	// is added as a new period, never by editing this one.
	schemaFrom = "2026-11-01"
)

// Search is the OpenSearch domain the security stream also goes to.
type Search struct {
	Endpoint, DomainArn pulumi.StringInput
}

// LoggingArgs configure logging for one cluster.
type LoggingArgs struct {
	Namer naming.Namer
	// Stack labels every record; ClusterName too (and scopes the roles).
	Stack                 string
	ClusterName           pulumi.StringInput
	PermissionBoundaryArn pulumi.StringInput
	// Charts pins "loki" and "fluent-bit".
	Charts map[string]addons.Chart
	// StorageClass of Loki's WAL volumes (the encrypted gp3 class).
	StorageClass string
	// Loki: LokiReplicas (3: every stream on three), LokiVolumeGi for
	// each replica's WAL, RetentionDays of application logs (the
	// compactor deletes older), which must stay below the bucket's
	// BucketExpirationDays (the lifecycle is the backstop, not the rule).
	LokiReplicas, LokiVolumeGi, RetentionDays, BucketExpirationDays int
	LokiBucket, LokiBucketArn, LogsKmsKeyArn                        pulumi.StringInput
	// AlertmanagerURL receives the ruler's alerts.
	AlertmanagerURL string
	// Rules are the log-based alerts (LogQL), each with a runbook.
	Rules    []promrules.Group
	Runbooks promrules.Runbooks
	// AuditBucket (Object Lock) keeps the security stream; its objects
	// are encrypted with AuditKmsKeyArn by the bucket's default.
	AuditBucket, AuditBucketArn, AuditKmsKeyArn pulumi.StringInput
	// Search, when the stack has a domain.
	Search *Search
	// DependsOn: the namespace, the storage class, the monitoring stack.
	DependsOn []pulumi.Resource
}

var alertmanagerURL = regexp.MustCompile(`^http://[a-z0-9.-]+(:[0-9]+)?$`)

// Validate reports every problem with its field path.
func (a LoggingArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	for _, chart := range []string{Loki, FluentBit} {
		c, ok := a.Charts[chart]
		if !ok {
			add("charts.%s: pin the chart's repository and version", chart)
			continue
		}
		for _, e := range addons.ValidateChart(c) {
			add("charts.%s.%s: %s", chart, e.Path, e.Message)
		}
	}
	if a.LokiReplicas < 3 {
		add("lokiReplicas: at least 3 (every stream is written to three), got %d", a.LokiReplicas)
	}
	if a.LokiVolumeGi < 1 {
		add("lokiVolumeGi: at least 1, got %d", a.LokiVolumeGi)
	}
	if a.RetentionDays < 1 {
		add("retentionDays: at least 1, got %d", a.RetentionDays)
	}
	if a.BucketExpirationDays <= a.RetentionDays {
		add("bucketExpirationDays: the bucket's lifecycle (%d days) must outlast the retention (%d days): the compactor deletes, the lifecycle is the backstop", a.BucketExpirationDays, a.RetentionDays)
	}
	if !alertmanagerURL.MatchString(a.AlertmanagerURL) {
		add("alertmanagerUrl: the in-cluster Alertmanager's http URL, got %q", a.AlertmanagerURL)
	}
	if err := (promrules.File{Groups: a.Rules}).Validate(a.Runbooks); err != nil {
		add("rules: %w", err)
	}
	if a.Stack == "" || a.StorageClass == "" || a.ClusterName == nil {
		add("stack, storageClass, clusterName: are required")
	}
	if a.LokiBucket == nil || a.LokiBucketArn == nil || a.LogsKmsKeyArn == nil {
		add("lokiBucket, lokiBucketArn, logsKmsKeyArn: Loki stores chunks in a bucket of ours under the logs key")
	}
	if a.AuditBucket == nil || a.AuditBucketArn == nil || a.AuditKmsKeyArn == nil {
		add("auditBucket, auditBucketArn, auditKmsKeyArn: the security stream is kept in the audit bucket")
	}
	if a.Search != nil && (a.Search.Endpoint == nil || a.Search.DomainArn == nil) {
		add("search: endpoint and domainArn are required")
	}
	return errors.Join(errs...)
}

// Logging is the cluster's logging.
type Logging struct {
	pulumi.ResourceState

	// Releases by chart.
	Releases map[string]*helmv3.Release
	// Roles are the Pod Identity roles' ARNs by chart (the search
	// domain's policy names Fluent Bit's).
	Roles map[string]pulumi.StringOutput
}

// NewLogging installs Loki and Fluent Bit with their roles, and the
// ruler's alerts: AWS resources on aws, Kubernetes ones on k8s.
func NewLogging(ctx *pulumi.Context, name string, args *LoggingArgs, aws, k8s pulumi.ResourceOption, opts ...pulumi.ResourceOption) (*Logging, error) {
	if args == nil {
		args = &LoggingArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("logging %s: %w", name, err)
	}
	a := *args
	l := &Logging{Releases: map[string]*helmv3.Release{}, Roles: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResourceV2("platform:logging:Logging", name, nil, l, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(l)
	fail := func(err error) (*Logging, error) { return nil, fmt.Errorf("logging %s: %w", name, err) }

	search := pulumi.StringInput(pulumi.String(""))
	if a.Search != nil {
		search = a.Search.DomainArn
	}
	refs := map[string]pulumi.StringInput{
		"clusterName": a.ClusterName, "lokiBucket": a.LokiBucket, "logsKey": a.LogsKmsKeyArn, "auditBucket": a.AuditBucket,
	}
	if a.Search != nil {
		refs["searchEndpoint"] = a.Search.Endpoint
	}
	for _, chart := range []string{Loki, FluentBit} {
		doc := policydoc.FromOutputs(func(v []string) policydoc.Document {
			return policy(a.Namer, chart, v[0], v[1], v[2], v[3], v[4])
		}, a.LokiBucketArn, a.LogsKmsKeyArn, a.AuditBucketArn, a.AuditKmsKeyArn, search)
		sa, ns := serviceAccount(chart), Namespace
		if chart == Loki {
			ns = LokiNamespace
		}
		role, err := cluster.NewWorkloadRole(ctx, name+"-"+chart, &cluster.WorkloadRoleArgs{
			Namer: a.Namer, Namespace: ns, ServiceAccount: sa, Policy: doc, PermissionBoundaryArn: a.PermissionBoundaryArn,
		}, parent, aws)
		if err != nil {
			return fail(err)
		}
		l.Roles[chart] = role.Arn
		assoc, err := eks.NewPodIdentityAssociation(ctx, name+"-"+chart, &eks.PodIdentityAssociationArgs{
			ClusterName: a.ClusterName, Namespace: pulumi.String(ns), ServiceAccount: pulumi.String(sa), RoleArn: role.Arn,
		}, parent, aws)
		if err != nil {
			return fail(err)
		}
		var values any = LokiValuesOf(a)
		if chart == FluentBit {
			values = FluentBitValuesOf(a)
		}
		vm, err := addons.ValuesMap(values, refs)
		if err != nil {
			return fail(err)
		}
		ch := a.Charts[chart]
		release, err := addons.NewRelease(ctx, name+"-"+chart, addons.Release{
			Name: chart, Chart: chart, Namespace: ns, Pinned: ch, Values: vm, TimeoutSeconds: 900,
		}, parent, k8s, pulumi.DependsOn(append([]pulumi.Resource{assoc}, a.DependsOn...)))
		if err != nil {
			return fail(err)
		}
		l.Releases[chart] = release
	}
	if len(a.Rules) > 0 {
		body, err := (promrules.File{Groups: a.Rules}).YAML()
		if err != nil {
			return fail(err)
		}
		if _, err := corev1.NewConfigMap(ctx, name+"-rules", &corev1.ConfigMapArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name: pulumi.String("loki-rules"), Namespace: pulumi.String(LokiNamespace),
				Labels: pulumi.StringMap{RuleLabel: pulumi.String("1")},
			},
			Data: pulumi.StringMap{"platform.yaml": pulumi.String(string(body))},
		}, parent, k8s, pulumi.DependsOn(a.DependsOn)); err != nil {
			return fail(err)
		}
	}
	return l, ctx.RegisterResourceOutputs(l, pulumi.Map{})
}

// serviceAccount is the one each chart's pods run as.
func serviceAccount(chart string) string { return chart }

// policy is a chart's least-privilege policy. Loki reads and writes its
// bucket; Fluent Bit only adds objects under FalcoPrefix in the audit
// bucket (Object Lock keeps them) and writes the security indices.
func policy(n naming.Namer, chart, lokiBucket, logsKey, auditBucket, auditKey, domain string) policydoc.Document {
	via := policydoc.Conditions{"StringEquals": {"kms:ViaService": "s3." + n.Region + ".amazonaws.com"}}
	if chart == Loki {
		return policydoc.New(
			policydoc.Statement{Sid: "ListChunks", Effect: policydoc.Allow, Action: "s3:ListBucket", Resource: lokiBucket},
			policydoc.Statement{Sid: "Chunks", Effect: policydoc.Allow, Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, Resource: lokiBucket + "/*"},
			policydoc.Statement{Sid: "ChunkKey", Effect: policydoc.Allow, Action: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resource: logsKey, Condition: via},
		)
	}
	statements := []policydoc.Statement{
		{Sid: "AuditStream", Effect: policydoc.Allow, Action: "s3:PutObject", Resource: auditBucket + "/" + FalcoPrefix + "/*"},
		{Sid: "AuditKey", Effect: policydoc.Allow, Action: "kms:GenerateDataKey", Resource: auditKey, Condition: via},
	}
	if domain != "" {
		statements = append(statements, policydoc.Statement{
			Sid: "SecurityIndices", Effect: policydoc.Allow, Action: []string{"es:ESHttpPost", "es:ESHttpPut"},
			Resource: []string{domain + "/_bulk", domain + "/" + SecurityIndex + "-*"},
		})
	}
	return policydoc.New(statements...)
}

// LokiValuesOf are Loki's release values.
func LokiValuesOf(a LoggingArgs) LokiValues {
	labels := map[string]string{"app.kubernetes.io/name": Loki, "app.kubernetes.io/instance": Loki, "app.kubernetes.io/component": "single-binary"}
	sc := addons.Restricted()
	return LokiValues{
		DeploymentMode: "SingleBinary",
		Loki: LokiConfig{
			AuthEnabled:  false,
			CommonConfig: CommonConfig{ReplicationFactor: 3, PathPrefix: "/var/loki"},
			Storage: LokiStorage{
				Type:        "s3",
				BucketNames: BucketNames{Chunks: addons.Ref("lokiBucket"), Ruler: addons.Ref("lokiBucket"), Admin: addons.Ref("lokiBucket")},
				S3:          LokiS3{Region: a.Namer.Region, SSE: SSE{Type: "SSE-KMS", KMSKeyID: addons.Ref("logsKey")}},
			},
			SchemaConfig: SchemaConfig{Configs: []Schema{{
				From: schemaFrom, Store: "tsdb", ObjectStore: "s3", Schema: "v13",
				Index: SchemaIndex{Prefix: "index_", Period: "24h"},
			}}},
			LimitsConfig: LokiLimits{RetentionPeriod: fmt.Sprintf("%dh", a.RetentionDays*24), RejectOldSamples: true, RejectOldSamplesMaxAge: "168h"},
			Compactor: Compactor{
				RetentionEnabled: true, DeleteRequestStore: "s3", RetentionDeleteDelay: "2h", WorkingDirectory: "/var/loki/compactor",
			},
			RulerConfig: RulerConfig{
				AlertmanagerURL: a.AlertmanagerURL, EnableAPI: true,
				// The sidecar writes the rules under the single tenant's
				// folder ("fake" when auth is off).
				Storage:        RulerStore{Type: "local", Local: RulerLocal{Directory: "/rules"}},
				RulePath:       "/var/loki/ruler-scratch",
				WAL:            RulerWAL{Dir: "/var/loki/ruler-wal"},
				ExternalLabels: map[string]string{"stack": a.Stack, "source": "loki"},
			},
			PodSecurity: PodSecurity{
				RunAsNonRoot: true, RunAsUser: 10001, RunAsGroup: 10001, FSGroup: 10001, FSGroupChangePolicy: "OnRootMismatch",
				SeccompProfile: addons.SeccompProfile{Type: "RuntimeDefault"},
			},
			ContainerSC: sc,
		},
		SingleBinary: SingleBinary{
			Replicas:                  a.LokiReplicas,
			Resources:                 addons.Requests("500m", "2Gi", "4Gi"),
			Persistence:               LokiPersistence{Enabled: true, Size: gi(a.LokiVolumeGi), StorageClass: a.StorageClass},
			TopologySpreadConstraints: addons.Spread(labels)[:1],
		},
		ChunksCache: addons.Enabled{Enabled: false}, ResultsCache: addons.Enabled{Enabled: false},
		Gateway: addons.Enabled{Enabled: false}, LokiCanary: addons.Enabled{Enabled: false},
		Test: addons.Enabled{Enabled: false}, Minio: addons.Enabled{Enabled: false},
		Sidecar: LokiSidecar{
			Rules:           SidecarRules{Enabled: true, Label: RuleLabel, Folder: "/rules/fake", SearchNamespace: LokiNamespace},
			Resources:       addons.Requests("10m", "64Mi", "128Mi"),
			SecurityContext: sc,
		},
		ServiceAccount:      addons.ServiceAccount{Create: true, Name: serviceAccount(Loki)},
		PodDisruptionBudget: addons.MaxUnavailable{MaxUnavailable: 1},
	}
}

// FluentBitValuesOf are the agent's release values.
func FluentBitValuesOf(a LoggingArgs) FluentBitValues {
	p := pipeline{region: a.Namer.Region, stack: a.Stack, lokiHost: "loki." + LokiNamespace + ".svc.cluster.local", search: a.Search != nil}
	env := []addons.EnvVar{{Name: "CLUSTER_NAME", Value: addons.Ref("clusterName")}, {Name: "AUDIT_BUCKET", Value: addons.Ref("auditBucket")}}
	if a.Search != nil {
		env = append(env, addons.EnvVar{Name: "SEARCH_ENDPOINT", Value: addons.Ref("searchEndpoint")})
	}
	return FluentBitValues{
		Kind:               "DaemonSet",
		Image:              Image{Repository: FluentBitImage, Tag: FluentBitTag},
		TestFramework:      addons.Enabled{Enabled: false},
		ServiceAccount:     addons.ServiceAccount{Create: true, Name: serviceAccount(FluentBit)},
		RBAC:               FluentBitRBAC{Create: true},
		PodSecurityContext: PodSecurity{SeccompProfile: addons.SeccompProfile{Type: "RuntimeDefault"}},
		SecurityContext: FluentBitSecurity{
			RunAsUser: 0, RunAsNonRoot: false, AllowPrivilegeEscalation: false, ReadOnlyRootFilesystem: true,
			Capabilities: addons.Capabilities{Drop: []string{"ALL"}}, SeccompProfile: addons.SeccompProfile{Type: "RuntimeDefault"},
		},
		Resources:         addons.Requests("100m", "128Mi", "512Mi"),
		Tolerations:       []addons.Toleration{{Key: "platform/spot", Operator: "Exists", Effect: "NoSchedule"}},
		PriorityClassName: "system-node-critical",
		Env:               env,
		Config:            FluentBitConfig{Service: p.service(), Inputs: p.inputs(), Filters: p.filters(), Outputs: p.outputs()},
		DaemonSetVolumes: []HostVolume{
			{Name: "varlog", HostPath: HostPath{Path: "/var/log"}},
			{Name: "state", HostPath: HostPath{Path: stateDir, Type: "DirectoryOrCreate"}},
		},
		DaemonSetVolumeMounts: []VolumeMount{
			{Name: "varlog", MountPath: "/var/log", ReadOnly: true},
			{Name: "state", MountPath: stateDir},
		},
		ServiceMonitor: addons.Enabled{Enabled: true},
	}
}

// DataSource is Loki as Grafana's data source: a trace id in a JSON log
// line links to the trace in tracesUID's data source (Tempo).
func DataSource(tracesUID string) monitoring.DataSource {
	return monitoring.DataSource{
		Name: "Loki", Type: "loki", UID: Loki, URL: LokiURL, Access: "proxy",
		JSONData: map[string]any{
			"maxLines": 1000,
			"derivedFields": []any{map[string]any{
				// $$ escapes $ in Grafana's provisioning files.
				"name": "TraceID", "datasourceUid": tracesUID, "url": "$${__value.raw}", "urlDisplayLabel": "View trace",
				// Fluent Bit keeps JSON lines as JSON (Line_Format json);
				// logfmt and plain lines match too.
				"matcherRegex": `(?:trace_id|traceId|traceID)["=: ]+([0-9a-f]{32})`,
			}},
		},
	}
}
