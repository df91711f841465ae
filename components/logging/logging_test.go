package logging

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

const (
	lokiBucket  = "arn:aws:s3:::platform-prod-use1-loki-111122223333"
	auditBucket = "arn:aws:s3:::platform-prod-use1-audit-111122223333"
	logsKey     = "arn:aws:kms:us-east-1:111122223333:key/logs"
	domainArn   = "arn:aws:es:us-east-1:111122223333:domain/platform-prod-audit"
)

var runbooks = promrules.Runbooks{Base: "https://github.com/example-fintech/platform/blob/main/docs/runbooks/"}

func args(search bool) *LoggingArgs {
	a := &LoggingArgs{
		Namer: plantest.Namer("us-east-1"), Stack: "production", ClusterName: pulumi.String("platform-prod-use1-eks"),
		PermissionBoundaryArn: pulumi.String("arn:aws:iam::111122223333:policy/boundary"),
		Charts: map[string]addons.Chart{
			Loki:      {Repository: "https://grafana.github.io/helm-charts", Version: "7.3.0"},
			FluentBit: {Repository: "https://fluent.github.io/helm-charts", Version: "0.58.1"},
		},
		StorageClass: "gp3", LokiReplicas: 3, LokiVolumeGi: 20, RetentionDays: 30, BucketExpirationDays: 45,
		LokiBucket: pulumi.String("platform-prod-use1-loki-111122223333"), LokiBucketArn: pulumi.String(lokiBucket),
		LogsKmsKeyArn:   pulumi.String(logsKey),
		AlertmanagerURL: "http://kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093",
		Rules:           Alerts(runbooks, []string{"mita"}), Runbooks: runbooks,
		AuditBucket: pulumi.String("platform-prod-use1-audit-111122223333"), AuditBucketArn: pulumi.String(auditBucket),
		AuditKmsKeyArn: pulumi.String(logsKey),
	}
	if search {
		a.Search = &Search{Endpoint: pulumi.String("vpc-audit.us-east-1.es.amazonaws.com"), DomainArn: pulumi.String(domainArn)}
	}
	return a
}

func planLogging(t *testing.T, a *LoggingArgs) *plan.Plan {
	t.Helper()
	return plantest.RunWithProviders(t, "us-east-1", func(ctx *pulumi.Context, aws, k8s pulumi.ResourceOption) error {
		_, err := NewLogging(ctx, "logging", a, aws, k8s)
		return err
	})
}

func statements(t *testing.T, r plan.Resource) map[string]map[string]any {
	t.Helper()
	var doc struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(r.Inputs["policy"].(string)), &doc))
	out := map[string]map[string]any{}
	for _, s := range doc.Statement {
		out[s["Sid"].(string)] = s
	}
	return out
}

func TestLoggingReleases(t *testing.T) {
	p := planLogging(t, args(true))
	plantest.AssertProviders(t, p, "us-east-1")
	for chart, version := range map[string]string{Loki: "7.3.0", FluentBit: "0.58.1"} {
		r, ok := p.Named("kubernetes:helm.sh/v3:Release", "logging-"+chart)
		require.True(t, ok, chart)
		assert.Equal(t, chart, r.Inputs["name"])
		assert.Equal(t, version, r.Inputs["version"], "%s is pinned", chart)
		ns := map[string]string{Loki: "monitoring", FluentBit: "logging"}[chart]
		assert.Equal(t, ns, r.Inputs["namespace"], "only the node agent runs in the privileged logging namespace")
		assert.Equal(t, false, r.Inputs["createNamespace"], "the baseline owns the namespace")
		assert.Equal(t, true, r.Inputs["atomic"])
		assoc, ok := p.Named("aws:eks/podIdentityAssociation:PodIdentityAssociation", "logging-"+chart)
		require.True(t, ok)
		assert.Equal(t, ns, assoc.Inputs["namespace"])
		assert.Equal(t, chart, assoc.Inputs["serviceAccount"], "bound to exactly the chart's service account")
	}
}

func TestLokiValues(t *testing.T) {
	p := planLogging(t, args(false))
	loki, _ := p.Named("kubernetes:helm.sh/v3:Release", "logging-loki")
	v := func(path ...any) any { return plantest.Input(loki, append([]any{"values"}, path...)...) }
	assert.Equal(t, "SingleBinary", v("deploymentMode"))
	assert.Equal(t, 3.0, v("singleBinary", "replicas"))
	assert.Equal(t, 3.0, v("loki", "commonConfig", "replication_factor"))
	for _, target := range []string{"read", "write", "backend"} {
		assert.Equal(t, 0.0, v(target, "replicas"), "no scalable target next to the single binary")
	}
	assert.Equal(t, "s3", v("loki", "storage", "type"))
	assert.Equal(t, "platform-prod-use1-loki-111122223333", v("loki", "storage", "bucketNames", "chunks"))
	assert.Equal(t, "platform-prod-use1-loki-111122223333", v("loki", "storage", "bucketNames", "ruler"))
	assert.Equal(t, map[string]any{"type": "SSE-KMS", "kms_key_id": logsKey}, v("loki", "storage", "s3", "sse"), "every chunk under the logs key")
	assert.Equal(t, "us-east-1", v("loki", "storage", "s3", "region"))
	assert.Nil(t, v("loki", "storage", "s3", "accessKeyId"), "no static credentials: Pod Identity")
	assert.Equal(t, "720h", v("loki", "limits_config", "retention_period"), "30 days of application logs")
	assert.Equal(t, true, v("loki", "compactor", "retention_enabled"), "the compactor enforces retention")
	assert.Equal(t, "s3", v("loki", "compactor", "delete_request_store"))
	assert.Equal(t, "tsdb", v("loki", "schemaConfig", "configs", 0, "store"))
	assert.Equal(t, "v13", v("loki", "schemaConfig", "configs", 0, "schema"))
	assert.Equal(t, "http://kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093", v("loki", "rulerConfig", "alertmanager_url"))
	assert.Equal(t, "/rules", v("loki", "rulerConfig", "storage", "local", "directory"))
	assert.Equal(t, "/rules/fake", v("sidecar", "rules", "folder"), "the single tenant's folder under the ruler's directory")
	assert.Equal(t, RuleLabel, v("sidecar", "rules", "label"))
	assert.Nil(t, v("auth_enabled"), "no such top-level key: auth lives under loki")
	assert.Equal(t, false, v("loki", "auth_enabled"))
	for _, off := range []string{"chunksCache", "resultsCache", "gateway", "lokiCanary", "test", "minio"} {
		assert.Equal(t, false, v(off, "enabled"), off)
	}
	assert.Equal(t, "gp3", v("singleBinary", "persistence", "storageClass"))
	assert.Equal(t, "20Gi", v("singleBinary", "persistence", "size"))
	assert.Equal(t, "4Gi", v("singleBinary", "resources", "limits", "memory"))
	assert.Equal(t, "topology.kubernetes.io/zone", v("singleBinary", "topologySpreadConstraints", 0, "topologyKey"))
	assert.Equal(t, 1.0, v("podDisruptionBudget", "maxUnavailable"))
	assert.Equal(t, true, v("loki", "podSecurityContext", "runAsNonRoot"))
	assert.Equal(t, "RuntimeDefault", v("loki", "podSecurityContext", "seccompProfile", "type"))
	assert.Equal(t, true, v("loki", "containerSecurityContext", "readOnlyRootFilesystem"))
	assert.Equal(t, []any{"ALL"}, v("loki", "containerSecurityContext", "capabilities", "drop"))
}

func TestFluentBitValues(t *testing.T) {
	p := planLogging(t, args(true))
	fb, _ := p.Named("kubernetes:helm.sh/v3:Release", "logging-fluent-bit")
	v := func(path ...any) any { return plantest.Input(fb, append([]any{"values"}, path...)...) }
	assert.Equal(t, "DaemonSet", v("kind"), "the one node agent")
	assert.Equal(t, FluentBitTag, v("image", "tag"), "the image is pinned")
	assert.Equal(t, false, v("testFramework", "enabled"), "its test pod runs busybox:latest")
	assert.Equal(t, false, v("securityContext", "allowPrivilegeEscalation"))
	assert.Equal(t, true, v("securityContext", "readOnlyRootFilesystem"))
	assert.Equal(t, []any{"ALL"}, v("securityContext", "capabilities", "drop"))
	assert.Equal(t, "512Mi", v("resources", "limits", "memory"))
	assert.Equal(t, "platform/spot", v("tolerations", 0, "key"), "spot nodes' logs too")
	env := map[string]any{}
	for _, e := range v("env").([]any) {
		env[e.(map[string]any)["name"].(string)] = e.(map[string]any)["value"]
	}
	assert.Equal(t, map[string]any{
		"CLUSTER_NAME": "platform-prod-use1-eks", "AUDIT_BUCKET": "platform-prod-use1-audit-111122223333",
		"SEARCH_ENDPOINT": "vpc-audit.us-east-1.es.amazonaws.com",
	}, env)
	inputs, filters, outputs := v("config", "inputs").(string), v("config", "filters").(string), v("config", "outputs").(string)
	assert.Contains(t, inputs, "Path /var/log/containers/*.log")
	assert.Contains(t, inputs, "Path /var/log/containers/falco-*_security_falco-*.log", "Falco's events are the security stream")
	assert.Contains(t, inputs, "DB "+stateDir+"/kube.db", "offsets survive a restart")
	assert.Contains(t, filters, "Merge_Log On", "JSON lines become fields")
	assert.Contains(t, filters, "Name kubernetes")
	assert.Contains(t, filters, "Add stack production")
	loki, s3, search := block(outputs, "loki"), block(outputs, "s3"), block(outputs, "opensearch")
	assert.Contains(t, loki, "Match kube.*")
	assert.Contains(t, loki, "Host loki.monitoring.svc.cluster.local")
	assert.Contains(t, s3, "Match security.*")
	assert.Contains(t, s3, "bucket ${AUDIT_BUCKET}")
	assert.Contains(t, s3, "s3_key_format /falco/")
	assert.Contains(t, s3, "send_content_md5 On", "Object Lock refuses an upload without a checksum")
	assert.Contains(t, search, "Match security.*")
	assert.Contains(t, search, "AWS_Auth On", "signed requests, no password")
	assert.Contains(t, search, "tls On")
	assert.Contains(t, search, "Logstash_Prefix security")

	without := planLogging(t, args(false))
	fb2, _ := without.Named("kubernetes:helm.sh/v3:Release", "logging-fluent-bit")
	assert.NotContains(t, plantest.Input(fb2, "values", "config", "outputs"), "opensearch", "no domain, no output to it")
}

// block is the [OUTPUT] section of the named plugin.
func block(config, plugin string) string {
	for _, s := range strings.Split(config, "[OUTPUT]") {
		if strings.Contains(s, "Name "+plugin+"\n") {
			return s
		}
	}
	return ""
}

func TestLoggingRoles(t *testing.T) {
	p := planLogging(t, args(true))
	role := func(chart string) map[string]map[string]any {
		pol, ok := p.Named("aws:iam/rolePolicy:RolePolicy", "logging-"+chart)
		require.True(t, ok, chart)
		return statements(t, pol)
	}
	loki := role(Loki)
	assert.Equal(t, []any{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, loki["Chunks"]["Action"])
	assert.Equal(t, lokiBucket+"/*", loki["Chunks"]["Resource"], "its own bucket only")
	assert.Equal(t, logsKey, loki["ChunkKey"]["Resource"])
	assert.Len(t, loki, 3)
	fb := role(FluentBit)
	assert.Equal(t, "s3:PutObject", fb["AuditStream"]["Action"], "it adds objects, never reads or deletes")
	assert.Equal(t, auditBucket+"/falco/*", fb["AuditStream"]["Resource"])
	assert.Equal(t, []any{domainArn + "/_bulk", domainArn + "/security-*"}, fb["SecurityIndices"]["Resource"])
	assert.Equal(t, []any{"es:ESHttpPost", "es:ESHttpPut"}, fb["SecurityIndices"]["Action"])

	noSearch := planLogging(t, args(false))
	pol, _ := noSearch.Named("aws:iam/rolePolicy:RolePolicy", "logging-fluent-bit")
	assert.NotContains(t, statements(t, pol), "SecurityIndices")
}

func TestLogAlerts(t *testing.T) {
	p := planLogging(t, args(false))
	cm, ok := p.Named("kubernetes:core/v1:ConfigMap", "logging-rules")
	require.True(t, ok)
	assert.Equal(t, "1", plantest.Input(cm, "metadata", "labels", RuleLabel), "the ruler's sidecar loads it")
	body := plantest.Input(cm, "data", "platform.yaml").(string)
	assert.Contains(t, body, "alert: ApplicationErrorLogBurst")
	assert.Contains(t, body, "alert: LogIngestionStopped")
	assert.Contains(t, body, `{namespace=~"mita"}`)
	assert.Contains(t, body, "runbook_url: "+runbooks.URL("log-ingestion-stopped"))
	assert.NoError(t, promrules.File{Groups: Alerts(runbooks, []string{"mita", "payments"})}.Validate(runbooks))
	assert.Nil(t, Alerts(runbooks, nil), "no application namespace, nothing to watch")
}

func TestLoggingValidation(t *testing.T) {
	bad := args(true)
	bad.LokiReplicas = 1
	bad.BucketExpirationDays = 30
	bad.Charts = map[string]addons.Chart{Loki: {Repository: "http://x", Version: "latest"}}
	bad.AlertmanagerURL = "alertmanager"
	bad.Search = &Search{}
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		_, err := NewLogging(ctx, "logging", bad, nil, nil)
		return err
	},
		"lokiReplicas: at least 3",
		"bucketExpirationDays: the bucket's lifecycle (30 days) must outlast the retention (30 days)",
		"charts.fluent-bit: pin the chart's repository and version",
		"charts.loki.repository",
		"charts.loki.version",
		`alertmanagerUrl: the in-cluster Alertmanager's http URL, got "alertmanager"`,
		"search: endpoint and domainArn are required",
	)
}

func auditArgs(search bool) *AuditExportArgs {
	a := &AuditExportArgs{
		Namer:               plantest.Namer("us-east-1"),
		ClusterLogGroupName: pulumi.String("/aws/eks/platform-prod-use1-eks/cluster"),
		ClusterLogGroupArn:  pulumi.String("arn:aws:logs:us-east-1:111122223333:log-group:/aws/eks/platform-prod-use1-eks/cluster"),
		AuditBucketArn:      pulumi.String(auditBucket), AuditKmsKeyArn: pulumi.String(logsKey),
		LogRetentionDays: 365, PermissionBoundaryArn: pulumi.String("arn:aws:iam::111122223333:policy/boundary"),
	}
	if search {
		a.Search = &Search{Endpoint: pulumi.String("vpc-audit"), DomainArn: pulumi.String(domainArn)}
		a.SubnetIDs = pulumi.ToStringArray([]string{"subnet-a", "subnet-b", "subnet-c"})
		a.VpcID, a.VpcCidr = pulumi.String("vpc-1"), "10.10.0.0/16"
	}
	return a
}

func planAudit(t *testing.T, a *AuditExportArgs) *plan.Plan {
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, aws pulumi.ResourceOption) error {
		_, err := NewAuditExport(ctx, "eks-audit", a, aws)
		return err
	})
}

func TestAuditExportToSearch(t *testing.T) {
	p := planAudit(t, auditArgs(true))
	f, ok := p.Named("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "eks-audit")
	require.True(t, ok)
	assert.Equal(t, "opensearch", f.Inputs["destination"])
	assert.Equal(t, map[string]any{"enabled": true, "keyType": "CUSTOMER_MANAGED_CMK", "keyArn": logsKey}, f.Inputs["serverSideEncryption"])
	os := f.Inputs["opensearchConfiguration"].(map[string]any)
	assert.Equal(t, domainArn, os["domainArn"])
	assert.Equal(t, AuditIndex, os["indexName"])
	assert.Equal(t, "AllDocuments", os["s3BackupMode"], "every event is kept in the audit bucket, indexed or not")
	assert.Equal(t, auditBucket, plantest.Input(f, "opensearchConfiguration", "s3Configuration", "bucketArn"))
	assert.Equal(t, "eks-audit/", plantest.Input(f, "opensearchConfiguration", "s3Configuration", "prefix"))
	assert.Equal(t, logsKey, plantest.Input(f, "opensearchConfiguration", "s3Configuration", "kmsKeyArn"))
	assert.Equal(t, []any{"subnet-a", "subnet-b", "subnet-c"}, plantest.Input(f, "opensearchConfiguration", "vpcConfig", "subnetIds"))
	assert.Equal(t, "Decompression", plantest.Input(f, "opensearchConfiguration", "processingConfiguration", "processors", 0, "type"))
	assert.Equal(t, "CloudWatchLogProcessing", plantest.Input(f, "opensearchConfiguration", "processingConfiguration", "processors", 1, "type"))
	sg, ok := p.Named("aws:ec2/securityGroup:SecurityGroup", "eks-audit-firehose")
	require.True(t, ok)
	assert.Equal(t, []any{"10.10.0.0/16"}, plantest.Input(sg, "egress", 0, "cidrBlocks"), "only the VPC, on 443")
	assert.Equal(t, 443.0, plantest.Input(sg, "egress", 0, "fromPort"))
	assert.NotEmpty(t, plantest.Input(sg, "egress", 0, "description"))

	sub, ok := p.Named("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter", "eks-audit")
	require.True(t, ok)
	assert.Equal(t, "/aws/eks/platform-prod-use1-eks/cluster", sub.Inputs["logGroup"])
	assert.Equal(t, `{ $.apiVersion = "audit.k8s.io/v1" }`, sub.Inputs["filterPattern"], "the API server's audit events only")
	logs, _ := p.Named("aws:cloudwatch/logGroup:LogGroup", "eks-audit")
	assert.Equal(t, logsKey, logs.Inputs["kmsKeyId"])
	assert.Equal(t, 365.0, logs.Inputs["retentionInDays"])

	pol, _ := p.Named("aws:iam/rolePolicy:RolePolicy", "eks-audit-firehose")
	st := statements(t, pol)
	assert.Equal(t, []any{auditBucket + "/eks-audit/*", auditBucket + "/eks-audit-errors/*"}, st["AuditObjects"]["Resource"])
	assert.NotContains(t, st["AuditObjects"]["Action"], "s3:DeleteObject")
	assert.Contains(t, st, "VpcDelivery")
	sub2, _ := p.Named("aws:iam/rolePolicy:RolePolicy", "eks-audit-logs")
	assert.Equal(t, []any{"firehose:PutRecord", "firehose:PutRecordBatch"}, statements(t, sub2)["PutAuditEvents"]["Action"])
	trust, _ := p.Named("aws:iam/role:Role", "eks-audit-logs")
	assert.Contains(t, trust.Inputs["assumeRolePolicy"], "logs.us-east-1.amazonaws.com")
}

func TestAuditExportToBucket(t *testing.T) {
	p := planAudit(t, auditArgs(false))
	f, _ := p.Named("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "eks-audit")
	assert.Equal(t, "extended_s3", f.Inputs["destination"])
	assert.Equal(t, auditBucket, plantest.Input(f, "extendedS3Configuration", "bucketArn"))
	assert.Equal(t, "GZIP", plantest.Input(f, "extendedS3Configuration", "compressionFormat"))
	assert.Equal(t, "CloudWatchLogProcessing", plantest.Input(f, "extendedS3Configuration", "processingConfiguration", "processors", 1, "type"))
	_, sg := p.Named("aws:ec2/securityGroup:SecurityGroup", "eks-audit-firehose")
	assert.False(t, sg, "no domain, no network interfaces")
	pol, _ := p.Named("aws:iam/rolePolicy:RolePolicy", "eks-audit-firehose")
	assert.NotContains(t, statements(t, pol), "VpcDelivery")
}

func TestAuditExportValidation(t *testing.T) {
	a := auditArgs(true)
	a.LogRetentionDays = 90
	a.SubnetIDs = nil
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		_, err := NewAuditExport(ctx, "eks-audit", a)
		return err
	}, "logRetentionDays: audit logs are kept at least 365 days, got 90", "search: delivery to the domain needs subnetIds")
}

func TestDataSource(t *testing.T) {
	ds := DataSource("tempo")
	assert.Equal(t, LokiURL, ds.URL)
	assert.Equal(t, "loki", ds.UID)
	link := ds.JSONData["derivedFields"].([]any)[0].(map[string]any)
	assert.Equal(t, "tempo", link["datasourceUid"], "a log line's trace id opens the trace")
	assert.Regexp(t, link["matcherRegex"], `{"level":"error","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`)
	assert.Equal(t, "$${__value.raw}", link["url"], "escaped: provisioning would expand ${...} as an environment variable")
}
