package stacks

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/addons"
	"platform/components/baseline"
	"platform/components/cluster"
	"platform/components/delivery"
	"platform/components/kms"
	"platform/components/logging"
	"platform/components/monitoring"
	"platform/components/network"
	"platform/components/tracing"
	"platform/internal/dashboards"
	"platform/internal/promrules"
	"platform/stacks/config"
)

// clusterAccess are the identities that use the cluster: the admins, the
// auditors and the CI deploy role.
type clusterAccess struct {
	admin, auditor, deploy, boundary pulumi.StringInput
}

// addonInputs are what the add-ons need from the other layers: the
// edge's certificate, web ACL and zone, the security alert topic, and the
// region's access-log bucket.
type addonInputs struct {
	certificateArn, webAclArn, zoneID, securityTopicArn, accessLogBucket pulumi.StringInput
	// replicaSecretsKey: in the dr stack, the key of the secrets' replicas.
	replicaSecretsKey pulumi.StringInput
}

// addonInputsFrom reads them from the stack's outputs, once the edge and
// the security topic exist.
func addonInputsFrom(out pulumi.Map, accessLogBucket pulumi.StringInput) addonInputs {
	str := func(k string) pulumi.StringInput { return out[k].(pulumi.StringInput) }
	return addonInputs{
		certificateArn: str("certificateArn"), webAclArn: str("webAclArn"), zoneID: str("zoneId"),
		securityTopicArn: str("securityTopicArn"), accessLogBucket: accessLogBucket,
	}
}

// clusterLayer is the cluster and what the in-cluster layers after it
// need: its Kubernetes provider, and the baseline, add-ons and monitoring
// they run on.
type clusterLayer struct {
	cluster *cluster.Cluster
	k8s     pulumi.ResourceOption
	// ready are the baseline, the add-ons and monitoring.
	ready []pulumi.Resource
}

// newCluster builds the stack's EKS cluster from platform:cluster in the
// private subnets of the stack's VPC, the explicit Kubernetes provider of
// the cluster, and the in-cluster basics every workload needs (the default
// encrypted storage class).
func newCluster(ctx *pulumi.Context, e *environment, keys *kms.Keys, vpc *network.Vpc, who clusterAccess, in addonInputs, provider pulumi.ResourceOption) (*clusterLayer, error) {
	c, err := newEKS(ctx, e, keys, vpc, who, provider)
	if err != nil {
		return nil, err
	}
	// Every Kubernetes resource takes this provider: the stack files
	// disable the default one. It reaches the API with a token from
	// aws eks get-token, never a stored credential.
	k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{
		Kubeconfig:            c.Kubeconfig(e.cfg.Region),
		EnableServerSideApply: pulumi.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	sc, err := cluster.NewStorageClass(ctx, "storage-gp3", &cluster.StorageClassArgs{KmsKeyArn: keys.Arn(kms.EKS)}, pulumi.Provider(k8s))
	if err != nil {
		return nil, err
	}
	base, err := baseline.NewBaseline(ctx, "baseline", baselineArgs(e, vpc), pulumi.Provider(k8s))
	if err != nil {
		return nil, err
	}
	charts := map[string]addons.Chart{}
	for name, ch := range e.cfg.Cluster.Charts {
		charts[name] = addons.Chart{Repository: ch.Repository, Version: ch.Version}
	}
	ad, err := addons.NewAddons(ctx, "addons", &addons.AddonsArgs{
		Namer: e.namer, ClusterName: c.Name, VpcID: vpc.VpcID, Charts: charts,
		PermissionBoundaryArn: who.boundary,
		CertificateArn:        in.certificateArn, WebAclArn: in.webAclArn, AccessLogBucket: in.accessLogBucket,
		SSLPolicy: addons.DefaultSSLPolicy,
		ZoneID:    in.zoneID, ZoneName: zoneName(e.cfg.Edge.Domain),
		SecretsKeyArn: keys.Arn(kms.Secrets), ReplicaSecretsKeyArn: in.replicaSecretsKey,
		SecurityTopicArn: in.securityTopicArn, TopicKeyArn: keys.Arn(kms.Logs),
		SpotNodeGroup: config.SpotGroup,
		// The releases need the nodes and add-ons (the cluster) and
		// their namespaces (the baseline).
		DependsOn: []pulumi.Resource{c, base},
	}, provider, pulumi.Provider(k8s))
	if err != nil {
		return nil, err
	}
	margs, err := monitoringArgs(e, c, sc)
	if err != nil {
		return nil, err
	}
	mon, err := monitoring.NewMonitoring(ctx, "monitoring", margs, pulumi.Provider(k8s), pulumi.DependsOn([]pulumi.Resource{ad, base}))
	if err != nil {
		return nil, err
	}
	return &clusterLayer{cluster: c, k8s: pulumi.Provider(k8s), ready: []pulumi.Resource{base, ad, mon, sc}}, nil
}

// monitoringArgs are platform:monitoring's, with the platform's rules and
// every service's SLOs.
func monitoringArgs(e *environment, c *cluster.Cluster, sc *cluster.StorageClass) (*monitoring.MonitoringArgs, error) {
	m := e.cfg.Monitoring
	runbooks := promrules.Runbooks{Base: m.RunbookBaseURL}
	rules := map[string][]promrules.Group{"platform": {promrules.Platform(runbooks), promrules.Operations()}}
	var services []dashboards.Service
	for _, svc := range e.cfg.ServiceSLOs() {
		threshold, _ := strconv.ParseFloat(svc.LatencyThresholdSeconds, 64) // validated
		services = append(services, dashboards.Service{Name: svc.Service, Availability: svc.Availability, Latency: svc.Latency, LatencyThresholdSecond: threshold})
		for _, slo := range svc.SLOs() {
			rules["slo-"+svc.Service] = append(rules["slo-"+svc.Service], slo.Groups(runbooks)...)
		}
	}
	grafanaAdmin := m.GrafanaAdminSecret
	if grafanaAdmin == "" {
		grafanaAdmin = defaultSecretName(e, "grafana-admin")
	}
	boards, err := dashboards.All(services)
	if err != nil {
		return nil, err
	}
	return &monitoring.MonitoringArgs{
		Chart:   addons.Chart{Repository: m.Chart.Repository, Version: m.Chart.Version},
		Cluster: c.Name, Stack: e.ctx.Stack(), StorageClass: cluster.DefaultStorageClass,
		PrometheusReplicas: m.Prometheus.Replicas, VolumeGi: m.Prometheus.VolumeGi,
		RetentionSizeGi: m.Prometheus.RetentionSizeGi, Retention: m.Prometheus.Retention,
		AlertmanagerReplicas: m.AlertmanagerReplicas, GrafanaVolumeGi: m.GrafanaVolumeGi,
		PagerDutySecret:    pagerDutySecret(e),
		GrafanaAdminSecret: grafanaAdmin,
		SecretStore:        addons.SecretStore,
		Rules:              rules, Runbooks: runbooks, Dashboards: boards,
		DataSources: dataSources(),
		DependsOn:   []pulumi.Resource{sc},
	}, nil
}

// zoneName is the zone a domain's records go to: the domain without its
// first label (api.example-fintech.com is in example-fintech.com).
func zoneName(domain string) string {
	if _, zone, ok := strings.Cut(domain, "."); ok {
		return zone
	}
	return domain
}

// baselineArgs are the namespaces of platform:baseline, the platform's
// own first, and the data tier's subnets for the namespaces that reach it.
func baselineArgs(e *environment, vpc *network.Vpc) *baseline.BaselineArgs {
	b := e.cfg.Baseline
	ns := func(n config.NamespaceConfig, application bool) baseline.Namespace {
		return baseline.Namespace{
			Name: n.Name, PodSecurity: n.PodSecurity, Reason: n.Reason, Application: application, DataPorts: n.DataPorts,
			Developers: len(n.Developers) > 0, ServicePorts: n.ServicePorts,
			Quota: baseline.Quota{RequestsCPU: n.RequestsCPU, RequestsMemory: n.RequestsMemory, LimitsMemory: n.LimitsMemory, Pods: n.Pods},
			// Containers that request nothing get a tenth of a CPU and
			// 128 MiB.
			Limits: baseline.Limits{DefaultRequestCPU: "100m", DefaultRequestMemory: "128Mi"},
		}
	}
	var namespaces []baseline.Namespace
	for _, name := range config.PlatformNamespaces {
		n := ns(b.Platform[name], false)
		// The charts' helper containers that set no memory limit get one.
		n.Limits.DefaultLimitMemory = "256Mi"
		// What the add-ons installed here need through the namespace's
		// network policy.
		for _, ad := range addons.Catalog {
			if ad.Namespace != name {
				continue
			}
			n.WebhookPorts = append(n.WebhookPorts, ad.WebhookPorts...)
			n.AWSAPIs = n.AWSAPIs || ad.AWSAPIs
			n.Kubelets = n.Kubelets || ad.Kubelets
			n.IntraNamespace = n.IntraNamespace || ad.IntraNamespace
		}
		if name == delivery.Namespace {
			// Argo CD clones from GitHub and signs in with the identity
			// provider over HTTPS (the same 0.0.0.0/0:443 egress as AWS
			// APIs); KEDA serves the API server; the analyses and KEDA
			// query Prometheus (a Flow below).
			needs := delivery.Needs(name)
			n.WebhookPorts = append(n.WebhookPorts, needs.WebhookPorts...)
			n.AWSAPIs = n.AWSAPIs || needs.InternetHTTPS || needs.AWSAPIs
			n.IntraNamespace = n.IntraNamespace || needs.IntraNamespace
		}
		if name == logging.Namespace {
			// Fluent Bit writes to S3 (and the search domain, in the VPC).
			n.AWSAPIs = true
		}
		if name == monitoring.Namespace {
			// Prometheus scrapes every namespace and the nodes, the
			// operator's admission webhook is called by the control plane,
			// Alertmanager reaches PagerDuty, and the stack's parts talk.
			n.WebhookPorts = append(n.WebhookPorts, 10250)
			n.Scraper, n.Kubelets, n.AWSAPIs, n.IntraNamespace = true, true, true, true
		}
		slices.Sort(n.WebhookPorts)
		n.WebhookPorts = slices.Compact(n.WebhookPorts)
		namespaces = append(namespaces, n)
	}
	for _, n := range b.Applications {
		namespaces = append(namespaces, ns(n, true))
	}
	var data, public []string
	for _, s := range vpc.Subnets {
		switch s.Tier {
		case network.Data:
			data = append(data, s.CIDR.String())
		case network.Public:
			public = append(public, s.CIDR.String())
		}
	}
	flows := []baseline.Flow{
		// The node agent ships to Loki.
		{From: logging.Namespace, To: logging.LokiNamespace, Ports: []int{3100}},
		// Workloads send OTLP to the trace gateway and ask it for
		// X-Ray sampling rules.
		{From: baseline.Applications, To: tracing.Namespace, Ports: []int{tracing.OTLPGRPCPort, tracing.OTLPHTTPPort, tracing.XRayProxyPort}},
	}
	// Canary analyses and KEDA's Prometheus trigger query Prometheus.
	flows = append(flows, delivery.Needs(delivery.Namespace).Flows...)
	return &baseline.BaselineArgs{
		Namespaces: namespaces, KubernetesVersion: e.cfg.Cluster.Version,
		VpcCidr: e.cfg.Network.VpcCidr, DataCidrs: data, PublicCidrs: public, Registries: b.Registries,
		Flows: flows,
	}
}

func newEKS(ctx *pulumi.Context, e *environment, keys *kms.Keys, vpc *network.Vpc, who clusterAccess, provider pulumi.ResourceOption) (*cluster.Cluster, error) {
	c := e.cfg.Cluster
	var groups []cluster.NodeGroup
	for _, name := range []string{config.SystemGroup, config.SpotGroup} {
		g, ok := c.NodeGroups[name]
		if !ok {
			continue
		}
		ng := cluster.NodeGroup{
			Name: name, CapacityType: cluster.OnDemand, InstanceTypes: slices.Clone(g.InstanceTypes), AmiType: g.AmiType,
			MinSize: *g.MinSize, MaxSize: *g.MaxSize, DesiredSize: *g.DesiredSize, DiskSizeGb: g.DiskSizeGb,
			MaxUnavailable: 1, Labels: map[string]string{"platform/pool": name},
		}
		if name == config.SpotGroup {
			// Only workloads that tolerate interruption tolerate the taint.
			ng.CapacityType = cluster.Spot
			ng.MaxUnavailable = max(1, *g.MaxSize/4) // stateless: roll faster
			ng.Taints = []cluster.Taint{{Key: "platform/spot", Value: "true", Effect: "NO_SCHEDULE"}}
		}
		groups = append(groups, ng)
	}
	return cluster.NewCluster(ctx, "cluster", &cluster.ClusterArgs{
		Namer: e.namer, Version: c.Version,
		VpcID: vpc.VpcID, SubnetIDs: vpc.PrivateSubnetIDs, AZs: e.cfg.Network.AZs, VpcCidr: e.cfg.Network.VpcCidr,
		EksKmsKeyArn: keys.Arn(kms.EKS), LogsKmsKeyArn: keys.Arn(kms.Logs), LogRetentionDays: c.LogRetentionDays,
		PublicAccessCidrs: c.PublicAccessCidrs, AmiReleaseVersion: c.AmiReleaseVersion,
		NodeGroups: groups, Addons: maps.Clone(c.Addons),
		Access:                clusterAccessEntries(e, who),
		PermissionBoundaryArn: who.boundary,
		Protect:               e.cfg.ProtectStateful(),
	}, provider)
}

// clusterOutputs are what the in-cluster layers and operators need.
func clusterOutputs(out pulumi.Map, c *cluster.Cluster) {
	out["clusterName"] = c.Name
	out["clusterArn"] = c.Arn
	out["clusterEndpoint"] = c.Endpoint
	out["clusterSecurityGroupId"] = c.ClusterSecurityGroupID
	out["clusterOidcProviderArn"] = c.OIDC.ProviderArn
}

// clusterAccessEntries: the admins hold EKS cluster-admin (an access
// policy, so it holds even when in-cluster RBAC is broken); the CI deploy
// role too, because `pulumi up` creates cluster-scoped objects (namespaces,
// admission policies, the charts' CRDs and ClusterRoles) and RBAC lets
// nobody grant what they do not hold; the pack admits exactly these two
// (clusterAdminPrincipals). Auditors and each application namespace's
// developers get no access policy, only a group the baseline binds
// read-only. One entry per principal: a developer of two namespaces is in
// both groups.
func clusterAccessEntries(e *environment, who clusterAccess) []cluster.Access {
	entries := []cluster.Access{
		{PrincipalArn: who.admin, Level: cluster.ClusterAdmin},
		{PrincipalArn: who.auditor, Groups: []string{baseline.AuditorsGroup}},
		{PrincipalArn: who.deploy, Level: cluster.ClusterAdmin},
	}
	groups := map[string][]string{}
	for _, app := range e.cfg.Baseline.Applications {
		for _, d := range app.Developers {
			groups[d] = append(groups[d], baseline.DevelopersGroup(app.Name))
		}
	}
	for _, d := range slices.Sorted(maps.Keys(groups)) {
		entries = append(entries, cluster.Access{PrincipalArn: pulumi.String(d), Groups: groups[d]})
	}
	return entries
}

// dataSources are Grafana's besides Prometheus: Loki (a log line's trace
// id opens the trace) and Tempo (a span opens its service's logs).
func dataSources() []monitoring.DataSource {
	out := []monitoring.DataSource{logging.DataSource(tracing.TempoDatasourceUID)}
	for _, d := range tracing.GrafanaDatasources("") {
		jsonData, _ := d["jsonData"].(map[string]any)
		out = append(out, monitoring.DataSource{
			Name: d["name"].(string), Type: d["type"].(string), UID: d["uid"].(string), URL: d["url"].(string),
			Access: d["access"].(string), JSONData: jsonData,
		})
	}
	return out
}
