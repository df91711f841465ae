package stacks

import (
	"maps"
	"slices"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/baseline"
	"platform/components/cluster"
	"platform/components/kms"
	"platform/components/network"
	"platform/stacks/config"
)

// clusterAccess are the identities that use the cluster: the admins
// (cluster admin), the auditors (read only) and the CI deploy role (admin
// without cluster-admin: it deploys the in-cluster layers).
type clusterAccess struct {
	admin, auditor, deploy, boundary pulumi.StringInput
}

// newCluster builds the stack's EKS cluster from platform:cluster in the
// private subnets of the stack's VPC, the explicit Kubernetes provider of
// the cluster, and the in-cluster basics every workload needs (the default
// encrypted storage class).
func newCluster(ctx *pulumi.Context, e *environment, keys *kms.Keys, vpc *network.Vpc, who clusterAccess, provider pulumi.ResourceOption) (*cluster.Cluster, error) {
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
	if _, err := cluster.NewStorageClass(ctx, "storage-gp3", &cluster.StorageClassArgs{KmsKeyArn: keys.Arn(kms.EKS)}, pulumi.Provider(k8s)); err != nil {
		return nil, err
	}
	if _, err := baseline.NewBaseline(ctx, "baseline", baselineArgs(e, vpc), pulumi.Provider(k8s)); err != nil {
		return nil, err
	}
	return c, nil
}

// baselineArgs are the namespaces of platform:baseline, the platform's
// own first, and the data tier's subnets for the namespaces that reach it.
func baselineArgs(e *environment, vpc *network.Vpc) *baseline.BaselineArgs {
	b := e.cfg.Baseline
	ns := func(n config.NamespaceConfig, application bool) baseline.Namespace {
		return baseline.Namespace{
			Name: n.Name, PodSecurity: n.PodSecurity, Reason: n.Reason, Application: application, DataPorts: n.DataPorts,
			Quota: baseline.Quota{RequestsCPU: n.RequestsCPU, RequestsMemory: n.RequestsMemory, LimitsMemory: n.LimitsMemory, Pods: n.Pods},
			// Containers that request nothing get a tenth of a CPU and
			// 128 MiB.
			Limits: baseline.Limits{DefaultRequestCPU: "100m", DefaultRequestMemory: "128Mi"},
		}
	}
	var namespaces []baseline.Namespace
	for _, name := range config.PlatformNamespaces {
		namespaces = append(namespaces, ns(b.Platform[name], false))
	}
	for _, n := range b.Applications {
		namespaces = append(namespaces, ns(n, true))
	}
	var data []string
	for _, s := range vpc.Subnets {
		if s.Tier == network.Data {
			data = append(data, s.CIDR.String())
		}
	}
	return &baseline.BaselineArgs{
		Namespaces: namespaces, KubernetesVersion: e.cfg.Cluster.Version,
		VpcCidr: e.cfg.Network.VpcCidr, DataCidrs: data, Registries: b.Registries,
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
		Access: []cluster.Access{
			{PrincipalArn: who.admin, Level: cluster.ClusterAdmin},
			{PrincipalArn: who.auditor, Level: cluster.View},
			{PrincipalArn: who.deploy, Level: cluster.Admin},
		},
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
