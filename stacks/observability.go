package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/addons"
	"platform/components/cache"
	"platform/components/chaos"
	"platform/components/cluster"
	"platform/components/database"
	"platform/components/kms"
	"platform/components/logging"
	"platform/components/network"
	"platform/components/observability"
	"platform/components/search"
	"platform/components/storage"
	"platform/components/synthetics"
	"platform/components/tracing"
	"platform/internal/naming"
	"platform/internal/promrules"
	"platform/stacks/config"
)

// hotStoreGraceDays: a log or trace store's bucket expires objects this
// long after the store's own retention deleted them (the backstop).
const hotStoreGraceDays = 15

// observabilityArgs are what logs, traces, canaries and experiments need
// from the stack's other layers.
type observabilityArgs struct {
	keys     *kms.Keys
	vpc      *network.Vpc
	layer    *clusterLayer
	provider pulumi.ResourceOption
	// accessLogBucket receives the new buckets' access logs.
	accessLogBucket pulumi.StringInput
	// The audit stream's Object-Lock bucket and its key: the stack's own
	// (production) or the replica in this region (dr).
	auditBucket, auditBucketArn, auditKey pulumi.StringInput
	// Identities: the domain's master (admins) and readers (auditors).
	adminRole, auditorRole, boundary pulumi.StringInput
	// pageTopic is the alert topic that pages.
	pageTopic pulumi.StringInput
	// database and cache: the experiments' and alarms' targets (the dr
	// stack's are replicas: no failover experiment there).
	database *database.Database
	cache    *cache.Cache
}

// newObservability builds logs (Loki, Fluent Bit, the EKS audit export,
// the OpenSearch domain), traces (the collector, Tempo, X-Ray), the
// canaries and anomaly alarms, and the chaos experiments, and records
// what operators need in out.
func newObservability(ctx *pulumi.Context, e *environment, a observabilityArgs, out pulumi.Map) error {
	cfg := e.cfg
	home := a.provider
	logsKey := a.keys.Arn(kms.Logs)
	hot := func(purpose string, retentionDays int) (*storage.Bucket, error) {
		return storage.NewBucket(ctx, purpose, &storage.BucketArgs{
			Namer: e.namer, Purpose: purpose, KmsKeyArn: logsKey, AccessLogBucket: a.accessLogBucket,
			Lifecycle: storage.Lifecycle{Hot: true, ExpirationDays: retentionDays + hotStoreGraceDays, NoncurrentVersionExpirationDays: 7},
			Protect:   cfg.ProtectStateful(),
		}, home)
	}
	tickets, err := observability.NewAlertTopic(ctx, "tickets", &observability.AlertTopicArgs{Namer: e.namer, KmsKeyArn: logsKey}, home)
	if err != nil {
		return err
	}
	out["ticketTopicArn"] = tickets.Arn

	// Logs.
	lc := cfg.Logging
	lokiBucket, err := hot("loki", lc.RetentionDays)
	if err != nil {
		return err
	}
	var domain *search.Domain
	var searchRef *logging.Search
	export := &logging.AuditExportArgs{
		Namer: e.namer, ClusterLogGroupName: a.layer.cluster.LogGroupName, ClusterLogGroupArn: a.layer.cluster.LogGroupArn,
		AuditBucketArn: a.auditBucketArn, AuditKmsKeyArn: a.auditKey, LogRetentionDays: lc.AuditRetentionDays,
		PermissionBoundaryArn: a.boundary,
	}
	if lc.Search.Enabled {
		// The domain's policy names its writers, which are created
		// after it: their role names are known now (the whole-stack
		// tests check they are the roles created).
		s := lc.Search
		roleArn := func(name string) pulumi.StringInput {
			return pulumi.String(e.namer.ARN("iam", "role/"+e.namer.Name(naming.IAMRole, name)))
		}
		// The domain's master user is the configurator, which writes its
		// security configuration and index policy as code.
		configurator, err := search.NewConfiguratorRole(ctx, "search-config", &search.ConfiguratorRoleArgs{Namer: e.namer, PermissionBoundaryArn: a.boundary}, home)
		if err != nil {
			return err
		}
		writers := []pulumi.StringInput{roleArn("logging-" + logging.FluentBit), roleArn("eks-audit-firehose")}
		domain, err = search.NewDomain(ctx, "search", &search.DomainArgs{
			Namer: e.namer, Production: cfg.IsProduction(), EngineVersion: s.EngineVersion,
			InstanceType: s.InstanceType, InstanceCount: s.InstanceCount, AZCount: s.Zones,
			DedicatedMasters: *s.DedicatedMasters, MasterType: s.MasterType, VolumeGi: s.VolumeGi,
			KmsKeyArn: logsKey, LogRetentionDays: lc.AuditRetentionDays, RetentionDays: lc.AuditRetentionDays,
			SubnetIDs: subnetsInZones(a.vpc, s.Zones), VpcID: a.vpc.VpcID, VpcCidr: cfg.Network.VpcCidr,
			MasterRoleArn:  configurator.Arn,
			AdminRoleArns:  []pulumi.StringInput{a.adminRole},
			WriterRoleArns: writers,
			ReaderRoleArns: []pulumi.StringInput{a.auditorRole},
			Protect:        cfg.ProtectStateful(),
		}, home)
		if err != nil {
			return err
		}
		if err := search.NewSecurityConfig(ctx, "search-config", &search.SecurityConfigArgs{
			Namer: e.namer, Role: configurator, Domain: domain, IndexPatterns: search.DefaultIndexPatterns,
			AdminRoleArns: []pulumi.StringInput{a.adminRole}, WriterRoleArns: writers, ReaderRoleArns: []pulumi.StringInput{a.auditorRole},
			SubnetIDs: subnetsInZones(a.vpc, s.Zones), VpcID: a.vpc.VpcID, VpcCidr: cfg.Network.VpcCidr,
			LogsKmsKeyArn: logsKey, LogRetentionDays: lc.AuditRetentionDays,
			DependsOn: []pulumi.Resource{domain.Policy},
		}, home); err != nil {
			return err
		}
		searchRef = &logging.Search{Endpoint: domain.Endpoint, DomainArn: domain.Arn}
		export.Search, export.SubnetIDs, export.VpcID, export.VpcCidr = searchRef, subnetsInZones(a.vpc, s.Zones), a.vpc.VpcID, cfg.Network.VpcCidr
		out["searchEndpoint"] = domain.Endpoint
		out["searchIndexPolicy"] = pulumi.String(domain.IndexPolicy)
	}
	if _, err := logging.NewAuditExport(ctx, "eks-audit", export, home); err != nil {
		return err
	}
	var namespaces []string
	for _, n := range cfg.Baseline.Applications {
		namespaces = append(namespaces, n.Name)
	}
	runbooks := promrules.Runbooks{Base: cfg.Monitoring.RunbookBaseURL}
	if _, err := logging.NewLogging(ctx, "logging", &logging.LoggingArgs{
		Namer: e.namer, Stack: ctx.Stack(), ClusterName: a.layer.cluster.Name, PermissionBoundaryArn: a.boundary,
		Charts:       charts(lc.Charts),
		StorageClass: cluster.DefaultStorageClass,
		LokiReplicas: lc.LokiReplicas, LokiVolumeGi: lc.LokiVolumeGi, RetentionDays: lc.RetentionDays,
		BucketExpirationDays: lc.RetentionDays + hotStoreGraceDays,
		LokiBucket:           lokiBucket.BucketName, LokiBucketArn: lokiBucket.Arn, LogsKmsKeyArn: logsKey,
		AlertmanagerURL: alertmanagerURL,
		Rules:           logging.Alerts(runbooks, namespaces), Runbooks: runbooks,
		AuditBucket: a.auditBucket, AuditBucketArn: a.auditBucketArn, AuditKmsKeyArn: a.auditKey,
		Search:    searchRef,
		DependsOn: a.layer.ready,
	}, home, a.layer.k8s); err != nil {
		return err
	}
	out["lokiBucketName"] = lokiBucket.BucketName

	// Traces.
	tc := cfg.Tracing
	traces, err := hot("traces", tc.RetentionDays)
	if err != nil {
		return err
	}
	if _, err := tracing.NewTracing(ctx, "tracing", tracingArgs(e, a, traces), home, a.layer.k8s); err != nil {
		return err
	}
	out["tracesBucketName"] = traces.BucketName

	// Canaries, anomaly alarms.
	sc := cfg.Synthetics
	alarms := map[string]pulumi.StringOutput{}
	if len(sc.Canaries) > 0 {
		var canaries []synthetics.Canary
		for _, c := range sc.Canaries {
			canaries = append(canaries, synthetics.Canary{Name: c.Name, URL: c.URL, Schedule: c.Schedule, ExpectStatus: c.ExpectStatus, VPC: c.VPC})
		}
		cs, err := synthetics.NewCanaries(ctx, "canaries", &synthetics.CanariesArgs{
			Namer: e.namer, ArtifactKmsKeyArn: logsKey, AccessLogBucket: a.accessLogBucket,
			// Failed runs are kept artifactRetentionDays; the bucket
			// expires their artifacts a week later.
			FailureRetentionDays: sc.ArtifactRetentionDays,
			Protect:              cfg.ProtectStateful(), PermissionBoundaryArn: a.boundary, PageTopicArn: a.pageTopic,
			Canaries: canaries, SubnetIDs: a.vpc.PrivateSubnetIDs, VpcID: a.vpc.VpcID,
			SuccessThreshold: sc.SuccessThreshold, Runbook: runbooks.URL("canary-failing"),
		}, home)
		if err != nil {
			return err
		}
		alarms = cs.Alarms
		canaryAlarms := pulumi.StringMap{}
		for k, v := range cs.Alarms {
			canaryAlarms[k] = v
		}
		out["canaryAlarmArns"] = canaryAlarms
	}
	route := func(signal string) synthetics.Signal { return synthetics.Signal{Route: sc.Anomaly.Routes[signal]} }
	if _, err := synthetics.NewAnomalyAlarms(ctx, "anomaly", &synthetics.AnomalyArgs{
		Namer: e.namer, PageTopicArn: a.pageTopic, TicketTopicArn: tickets.Arn, Runbook: runbooks.URL("anomaly-alarm"),
		LoadBalancer: sc.Anomaly.LoadBalancer, DBInstanceIdentifier: database.Identifier(e.namer),
		Requests: route("requests"), Target5xx: route("errors"), TargetLatency: route("latency"),
		DBConnections: route("dbConnections"), DBCPU: route("dbCpu"),
	}, home); err != nil {
		return err
	}

	// Chaos experiments: stopped by the canaries' alarms.
	if x := experimentsArgs(e, a, alarms); x != nil {
		ex, err := chaos.NewExperiments(ctx, "chaos", x, home, a.layer.k8s)
		if err != nil {
			return err
		}
		ids := pulumi.StringMap{}
		for k, v := range ex.TemplateIDs {
			ids[k] = v
		}
		out["chaosTemplateIds"] = ids
	}
	return nil
}

// alertmanagerURL is the monitoring stack's Alertmanager service.
const alertmanagerURL = "http://kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093"

// charts are a config's chart pins as the components take them.
func charts(in map[string]config.Chart) map[string]addons.Chart {
	out := map[string]addons.Chart{}
	for name, ch := range in {
		out[name] = addons.Chart{Repository: ch.Repository, Version: ch.Version}
	}
	return out
}

// subnetsInZones are the private subnets of the first n zones.
func subnetsInZones(vpc *network.Vpc, n int) pulumi.StringArrayInput {
	ids := vpc.PrivateSubnetIDs
	return ids.ApplyT(func(all []string) []string { return all[:min(n, len(all))] }).(pulumi.StringArrayOutput)
}

// experimentsArgs are platform:chaos's experiments with their targets,
// or nil when none is configured.
func experimentsArgs(e *environment, a observabilityArgs, alarms map[string]pulumi.StringOutput) *chaos.ExperimentsArgs {
	x := e.cfg.Chaos.Experiments
	stops := func(names []string) []pulumi.StringInput {
		var arns []pulumi.StringInput
		for _, n := range names {
			arns = append(arns, alarms[n])
		}
		return arns
	}
	args := &chaos.ExperimentsArgs{
		Namer: e.namer, LogsKmsKeyArn: a.keys.Arn(kms.Logs), LogRetentionDays: e.cfg.Logging.AuditRetentionDays,
		PermissionBoundaryArn: a.boundary, ClusterName: a.layer.cluster.Name, DependsOn: a.layer.ready,
	}
	any := false
	if p := x.PodDeletion; p != nil {
		args.PodDeletion = &chaos.PodDeletion{
			Namespace: p.Namespace, Selector: p.Selector, Count: p.Count, Percent: p.Percent, FISPodImage: p.FISPodImage, StopAlarmArns: stops(p.StopAlarms),
		}
		any = true
	}
	if n := x.NodeTermination; n != nil {
		args.NodeTermination = &chaos.NodeTermination{
			NodeGroupArns: []pulumi.StringInput{a.layer.cluster.NodeGroupArns[n.NodeGroup]}, Percent: n.Percent, StopAlarmArns: stops(n.StopAlarms),
		}
		any = true
	}
	if d := x.DatabaseFailover; d != nil {
		args.DatabaseFailover = &chaos.DatabaseFailover{InstanceArn: a.database.Arn, StopAlarmArns: stops(d.StopAlarms)}
		any = true
	}
	if c := x.CacheFailover; c != nil {
		arn := e.namer.ARN("elasticache", "replicationgroup:"+cache.GroupID(e.namer))
		args.CacheFailover = &chaos.CacheFailover{ReplicationGroupArn: pulumi.String(arn), AZ: c.AZ, StopAlarmArns: stops(c.StopAlarms)}
		any = true
	}
	if z := x.AZImpairment; z != nil {
		args.AZImpairment = &chaos.AZImpairment{
			AZ: z.AZ, VpcID: a.vpc.VpcID, NodeVolumeKmsKeyArn: a.keys.Arn(kms.EKS), Duration: z.Duration, StopAlarmArns: stops(z.StopAlarms),
		}
		any = true
	}
	if !any {
		return nil
	}
	return args
}

// tracingArgs are platform:tracing's, storing in traces.
func tracingArgs(e *environment, a observabilityArgs, traces *storage.Bucket) *tracing.TracingArgs {
	t := e.cfg.Tracing
	health := e.cfg.Edge.HealthCheckPath
	if health == "" {
		health = "/healthz"
	}
	return &tracing.TracingArgs{
		Namer: e.namer, ClusterName: a.layer.cluster.Name, PermissionBoundaryArn: a.boundary,
		Charts:       charts(t.Charts),
		TracesBucket: traces.BucketName, TracesBucketArn: traces.Arn, TracesKmsKeyArn: a.keys.Arn(kms.Logs),
		BucketExpirationDays: t.RetentionDays + hotStoreGraceDays, RetentionDays: t.RetentionDays,
		Sampling:          tracing.Sampling{SlowThresholdMs: t.SlowThresholdMs, BaselinePercent: t.BaselinePercent},
		CollectorReplicas: t.CollectorReplicas, TempoReplicas: t.TempoReplicas,
		StorageClass: cluster.DefaultStorageClass, WALVolumeGi: 10,
		// X-Ray keeps one trace a second and 5% of the rest of the API's
		// requests; its health checks not at all.
		XRay:      tracing.XRay{APIServiceName: t.APIService, Priority: 100, ReservoirSize: 1, FixedRate: 0.05, HealthURLPath: health},
		DependsOn: a.layer.ready,
	}
}
