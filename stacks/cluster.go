package stacks

import (
	"maps"
	"slices"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

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
	return c, nil
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
