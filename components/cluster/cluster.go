package cluster

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// Managed policies of the roles. The node role gets only what a node
// needs; the CNI and the EBS CSI driver get their own roles (Pod Identity).
const (
	clusterPolicy   = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
	workerPolicy    = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
	ecrPullPolicy   = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"
	ssmPolicy       = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
	cniPolicy       = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
	ebsCSIPolicy    = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
	autoscalerTag   = "k8s.io/cluster-autoscaler/enabled"
	autoscalerOwner = "k8s.io/cluster-autoscaler/"
)

// Cluster is an EKS cluster with its node groups and add-ons.
type Cluster struct {
	pulumi.ResourceState

	Name                 pulumi.StringOutput
	Arn                  pulumi.StringOutput
	Endpoint             pulumi.StringOutput
	CertificateAuthority pulumi.StringOutput
	NodeSecurityGroupID  pulumi.IDOutput
	// ClusterSecurityGroupID is the group EKS creates for the control
	// plane and managed nodes.
	ClusterSecurityGroupID pulumi.StringOutput
	// OIDC is the cluster's OIDC provider, for the IRSA roles of
	// workloads that Pod Identity does not serve.
	OIDC OIDC
	// LogGroupName and LogGroupArn are the control plane's log group
	// (audit, API, authenticator, ...), which the audit export reads.
	LogGroupName, LogGroupArn pulumi.StringOutput
	// NodeGroupArns by node group name (the chaos experiments' targets).
	NodeGroupArns map[string]pulumi.StringOutput
}

// NewCluster creates the control plane, its logs, roles and security
// groups, the access entries, the add-ons and the node groups.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if args == nil {
		args = &ClusterArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	a := *args
	c := &Cluster{NodeGroupArns: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResourceV2("platform:cluster:Cluster", name, pulumi.Map{"version": pulumi.String(a.Version)}, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	fail := func(err error) (*Cluster, error) { return nil, fmt.Errorf("cluster %s: %w", name, err) }
	clusterName := a.Namer.Name(naming.EKSCluster, "eks")

	// The log group exists before the cluster, so EKS cannot create an
	// unencrypted one without retention.
	logs, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/eks/" + clusterName + "/cluster"),
		KmsKeyId:        a.LogsKmsKeyArn,
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, parent)
	if err != nil {
		return fail(err)
	}
	c.LogGroupName, c.LogGroupArn = logs.Name, logs.Arn
	role, err := serviceRole(ctx, name+"-cluster", a, "eks.amazonaws.com", []string{clusterPolicy}, []string{"sts:AssumeRole", "sts:TagSession"}, parent)
	if err != nil {
		return fail(err)
	}
	controlSG, nodeSG, err := securityGroups(ctx, name, a, parent)
	if err != nil {
		return fail(err)
	}

	vpcConfig := &eks.ClusterVpcConfigArgs{
		SubnetIds:             a.SubnetIDs,
		SecurityGroupIds:      pulumi.StringArray{controlSG.ID().ToStringOutput()},
		EndpointPrivateAccess: pulumi.Bool(true),
		// Private only unless config names the networks that may reach it.
		EndpointPublicAccess: pulumi.Bool(len(a.PublicAccessCidrs) > 0),
	}
	if len(a.PublicAccessCidrs) > 0 {
		vpcConfig.PublicAccessCidrs = pulumi.ToStringArray(a.PublicAccessCidrs)
	}
	cluster, err := eks.NewCluster(ctx, name, &eks.ClusterArgs{
		Name:    pulumi.String(clusterName),
		RoleArn: role.Arn,
		Version: pulumi.String(a.Version),
		// STANDARD: a version leaving standard support is upgraded, never
		// moved to paid extended support.
		UpgradePolicy:    &eks.ClusterUpgradePolicyArgs{SupportType: pulumi.String("STANDARD")},
		VpcConfig:        vpcConfig,
		EncryptionConfig: &eks.ClusterEncryptionConfigArgs{Resources: pulumi.StringArray{pulumi.String("secrets")}, Provider: &eks.ClusterEncryptionConfigProviderArgs{KeyArn: a.EksKmsKeyArn}},
		// Access only through access entries; whoever creates the cluster
		// (the CI deploy role) gets no standing admin.
		AccessConfig: &eks.ClusterAccessConfigArgs{
			AuthenticationMode:                      pulumi.String("API"),
			BootstrapClusterCreatorAdminPermissions: pulumi.Bool(false),
		},
		EnabledClusterLogTypes: pulumi.ToStringArray(ControlPlaneLogTypes),
		// The platform installs every add-on itself, pinned.
		BootstrapSelfManagedAddons: pulumi.Bool(false),
		ZonalShiftConfig:           &eks.ClusterZonalShiftConfigArgs{Enabled: pulumi.Bool(true)},
	}, parent, pulumi.Protect(a.Protect), pulumi.DependsOn([]pulumi.Resource{logs}))
	if err != nil {
		return fail(err)
	}

	for i, acc := range a.Access {
		if err := access(ctx, fmt.Sprintf("%s-access-%d", name, i), cluster.Name, acc, parent); err != nil {
			return fail(err)
		}
	}

	// The add-ons nodes need to become ready, with their own roles.
	cni, err := NewWorkloadRole(ctx, name+"-vpc-cni", &WorkloadRoleArgs{
		Namer: a.Namer, Namespace: "kube-system", ServiceAccount: "aws-node",
		PolicyArns: []string{cniPolicy}, PermissionBoundaryArn: a.PermissionBoundaryArn,
	}, parent)
	if err != nil {
		return fail(err)
	}
	ebs, err := NewWorkloadRole(ctx, name+"-ebs-csi", &WorkloadRoleArgs{
		Namer: a.Namer, Namespace: "kube-system", ServiceAccount: "ebs-csi-controller-sa",
		PolicyArns: []string{ebsCSIPolicy}, PermissionBoundaryArn: a.PermissionBoundaryArn,
	}, parent)
	if err != nil {
		return fail(err)
	}
	roles := map[string]*WorkloadRole{"vpc-cni": cni, "aws-ebs-csi-driver": ebs}
	var early []pulumi.Resource
	for _, addon := range beforeNodes {
		r, err := newAddon(ctx, name, addon, a.Addons[addon], cluster, roles[addon], nil, parent)
		if err != nil {
			return fail(err)
		}
		early = append(early, r)
	}

	nodeRole, err := serviceRole(ctx, name+"-node", a, "ec2.amazonaws.com", []string{workerPolicy, ecrPullPolicy, ssmPolicy}, []string{"sts:AssumeRole"}, parent)
	if err != nil {
		return fail(err)
	}
	var groups []pulumi.Resource
	for _, g := range a.NodeGroups {
		ng, err := nodeGroup(ctx, name, clusterName, a, g, cluster, nodeRole, nodeSG, early, parent)
		if err != nil {
			return fail(err)
		}
		groups = append(groups, ng)
		c.NodeGroupArns[g.Name] = ng.Arn
	}
	for _, addon := range RequiredAddons {
		if contains(beforeNodes, addon) {
			continue
		}
		if _, err := newAddon(ctx, name, addon, a.Addons[addon], cluster, roles[addon], groups, parent); err != nil {
			return fail(err)
		}
	}

	issuer := oidcIssuer(name, cluster.Identities)
	provider, err := iam.NewOpenIdConnectProvider(ctx, name+"-oidc", &iam.OpenIdConnectProviderArgs{
		Url:           issuer.ApplyT(func(host string) string { return "https://" + host }).(pulumi.StringOutput),
		ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
	}, parent)
	if err != nil {
		return fail(err)
	}
	c.OIDC = OIDC{ProviderArn: provider.Arn, Issuer: issuer}

	c.Name, c.Arn, c.Endpoint = cluster.Name, cluster.Arn, cluster.Endpoint
	c.CertificateAuthority = certificateAuthority(name, cluster.CertificateAuthority)
	c.NodeSecurityGroupID = nodeSG.ID()
	c.ClusterSecurityGroupID = cluster.VpcConfig.ClusterSecurityGroupId().Elem()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"name": c.Name, "arn": c.Arn, "endpoint": c.Endpoint})
}

// certificateAuthority is the cluster's CA data, an error naming the
// cluster when EKS returns none (never an index into an empty list).
func certificateAuthority(name string, ca eks.ClusterCertificateAuthorityOutput) pulumi.StringOutput {
	return ca.ApplyT(func(v eks.ClusterCertificateAuthority) (string, error) {
		if v.Data == nil || *v.Data == "" {
			return "", fmt.Errorf("cluster %s: EKS returned no certificate authority data", name)
		}
		return *v.Data, nil
	}).(pulumi.StringOutput)
}

// oidcIssuer is the cluster's OIDC issuer without its scheme; an error
// naming the cluster when EKS returns none.
func oidcIssuer(name string, identities eks.ClusterIdentityArrayOutput) pulumi.StringOutput {
	return identities.ApplyT(func(ids []eks.ClusterIdentity) (string, error) {
		for _, id := range ids {
			for _, o := range id.Oidcs {
				if o.Issuer != nil && *o.Issuer != "" {
					return strings.TrimPrefix(*o.Issuer, "https://"), nil
				}
			}
		}
		return "", fmt.Errorf("cluster %s: EKS returned no OIDC issuer", name)
	}).(pulumi.StringOutput)
}

// serviceRole is a role an AWS service assumes, with managed policies.
func serviceRole(ctx *pulumi.Context, name string, a ClusterArgs, service string, policies, actions []string, parent pulumi.ResourceOption) (*iam.Role, error) {
	trust := policydoc.New(policydoc.Statement{
		Effect: policydoc.Allow, Principal: policydoc.Service(service), Action: actions,
		Condition: policydoc.Conditions{"StringEquals": {"aws:SourceAccount": a.Namer.AccountID}},
	})
	if service == "ec2.amazonaws.com" {
		trust = policydoc.New(policydoc.Statement{Effect: policydoc.Allow, Principal: policydoc.Service(service), Action: actions})
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Name:             pulumi.String(a.Namer.Name(naming.IAMRole, name)),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
	}, parent)
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		if _, err := iam.NewRolePolicyAttachment(ctx, name+"-"+shortPolicy(p), &iam.RolePolicyAttachmentArgs{
			Role: role.Name, PolicyArn: pulumi.String(p),
		}, parent); err != nil {
			return nil, err
		}
	}
	return role, nil
}

func shortPolicy(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}

// securityGroups are the control plane's additional group and the nodes'
// group: described rules, nothing from the internet.
func securityGroups(ctx *pulumi.Context, name string, a ClusterArgs, parent pulumi.ResourceOption) (*ec2.SecurityGroup, *ec2.SecurityGroup, error) {
	vpc := pulumi.StringArray{pulumi.String(a.VpcCidr)}
	control, err := ec2.NewSecurityGroup(ctx, name+"-control-plane", &ec2.SecurityGroupArgs{
		Name:        pulumi.String(a.Namer.Name(naming.Generic, "eks", "control-plane")),
		Description: pulumi.String("EKS control plane: the Kubernetes API from inside the VPC"),
		VpcId:       a.VpcID,
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("Kubernetes API from nodes and operators inside the VPC"),
			Protocol:    pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), CidrBlocks: vpc,
		}},
		Egress: ec2.SecurityGroupEgressArray{ec2.SecurityGroupEgressArgs{
			Description: pulumi.String("kubelets and webhooks on the nodes, inside the VPC"),
			Protocol:    pulumi.String("tcp"), FromPort: pulumi.Int(0), ToPort: pulumi.Int(65535), CidrBlocks: vpc,
		}},
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	nodes, err := ec2.NewSecurityGroup(ctx, name+"-nodes", &ec2.SecurityGroupArgs{
		Name:        pulumi.String(a.Namer.Name(naming.Generic, "eks", "nodes")),
		Description: pulumi.String("EKS nodes: pods and kubelets, reached from the control plane and each other"),
		VpcId:       a.VpcID,
		Ingress: ec2.SecurityGroupIngressArray{
			ec2.SecurityGroupIngressArgs{
				Description: pulumi.String("node to node: pod networking"),
				Protocol:    pulumi.String("-1"), FromPort: pulumi.Int(0), ToPort: pulumi.Int(0), Self: pulumi.Bool(true),
			},
			ec2.SecurityGroupIngressArgs{
				Description: pulumi.String("control plane to kubelets and webhooks"),
				Protocol:    pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(10250),
				SecurityGroups: pulumi.StringArray{control.ID().ToStringOutput()},
			},
		},
		Egress: ec2.SecurityGroupEgressArray{
			ec2.SecurityGroupEgressArgs{
				Description: pulumi.String("inside the VPC: pods, DNS, the data tier, VPC endpoints"),
				Protocol:    pulumi.String("-1"), FromPort: pulumi.Int(0), ToPort: pulumi.Int(0), CidrBlocks: vpc,
			},
			ec2.SecurityGroupEgressArgs{
				Description: pulumi.String("HTTPS through the NAT gateways: images and AWS APIs without an endpoint"),
				Protocol:    pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), CidrBlocks: pulumi.StringArray{pulumi.String("0.0.0.0/0")},
			},
		},
	}, parent)
	return control, nodes, err
}

// access gives a principal an access entry, with its Kubernetes groups,
// and its access policy if it has a level.
func access(ctx *pulumi.Context, name string, clusterName pulumi.StringInput, acc Access, parent pulumi.ResourceOption) error {
	args := &eks.AccessEntryArgs{ClusterName: clusterName, PrincipalArn: acc.PrincipalArn, Type: pulumi.String("STANDARD")}
	if len(acc.Groups) > 0 {
		args.KubernetesGroups = pulumi.ToStringArray(acc.Groups)
	}
	entry, err := eks.NewAccessEntry(ctx, name, args, parent)
	if err != nil {
		return err
	}
	if acc.Level == "" {
		return nil
	}
	scope := &eks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")}
	if len(acc.Namespaces) > 0 {
		scope = &eks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("namespace"), Namespaces: pulumi.ToStringArray(acc.Namespaces)}
	}
	_, err = eks.NewAccessPolicyAssociation(ctx, name, &eks.AccessPolicyAssociationArgs{
		ClusterName: clusterName, PrincipalArn: entry.PrincipalArn, PolicyArn: pulumi.String(accessPolicies[acc.Level]), AccessScope: scope,
	}, parent)
	return err
}

// newAddon installs a pinned add-on; conflicts are resolved explicitly:
// the add-on's configuration wins on create, the cluster's on update.
func newAddon(ctx *pulumi.Context, name, addon, version string, cluster *eks.Cluster, role *WorkloadRole, after []pulumi.Resource, parent pulumi.ResourceOption) (*eks.Addon, error) {
	args := &eks.AddonArgs{
		ClusterName:              cluster.Name,
		AddonName:                pulumi.String(addon),
		AddonVersion:             pulumi.String(version),
		ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
		ResolveConflictsOnUpdate: pulumi.String("PRESERVE"),
	}
	if addon == "vpc-cni" {
		// Network-policy enforcement: Kubernetes NetworkPolicies are
		// enforced by the CNI's eBPF agent.
		cfg, _ := json.Marshal(map[string]any{"enableNetworkPolicy": "true"})
		args.ConfigurationValues = pulumi.String(string(cfg))
	}
	if role != nil {
		args.PodIdentityAssociations = eks.AddonPodIdentityAssociationArray{eks.AddonPodIdentityAssociationArgs{
			RoleArn: role.Arn, ServiceAccount: pulumi.String(role.ServiceAccount),
		}}
	}
	return eks.NewAddon(ctx, name+"-"+addon, args, parent, pulumi.DependsOn(after))
}

// nodeGroup is a managed node group with its launch template.
func nodeGroup(ctx *pulumi.Context, name, clusterName string, a ClusterArgs, g NodeGroup, cluster *eks.Cluster, role *iam.Role, sg *ec2.SecurityGroup, after []pulumi.Resource, parent pulumi.ResourceOption) (*eks.NodeGroup, error) {
	lt, err := ec2.NewLaunchTemplate(ctx, name+"-"+g.Name, &ec2.LaunchTemplateArgs{
		Name:        pulumi.String(a.Namer.Name(naming.Generic, "eks", g.Name)),
		Description: pulumi.String("EKS " + g.Name + " nodes: IMDSv2 only, encrypted gp3 root volume, no SSH key"),
		// IMDSv2 with a hop limit of 1: pods outside the host network
		// cannot reach the node's credentials (they use Pod Identity).
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint: pulumi.String("enabled"), HttpTokens: pulumi.String("required"), HttpPutResponseHopLimit: pulumi.Int(1),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize: pulumi.Int(g.DiskSizeGb), VolumeType: pulumi.String("gp3"),
				Encrypted: pulumi.String("true"), KmsKeyId: a.EksKmsKeyArn, DeleteOnTermination: pulumi.String("true"),
			},
		}},
		VpcSecurityGroupIds:  pulumi.StringArray{sg.ID().ToStringOutput()},
		UpdateDefaultVersion: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}
	var taints eks.NodeGroupTaintArray
	for _, t := range g.Taints {
		taints = append(taints, eks.NodeGroupTaintArgs{Key: pulumi.String(t.Key), Value: pulumi.String(t.Value), Effect: pulumi.String(t.Effect)})
	}
	return eks.NewNodeGroup(ctx, name+"-"+g.Name, &eks.NodeGroupArgs{
		ClusterName: cluster.Name,
		// A prefix, not a name: a change AWS applies by replacing the group
		// (its instance types) brings the new group up before the old one
		// is drained and removed.
		NodeGroupNamePrefix: pulumi.String(a.Namer.Name(naming.EKSCluster, "eks", g.Name) + "-"),
		NodeRoleArn:         role.Arn,
		SubnetIds:           a.SubnetIDs,
		AmiType:             pulumi.String(g.AmiType),
		ReleaseVersion:      pulumi.String(a.AmiReleaseVersion),
		Version:             pulumi.String(a.Version),
		CapacityType:        pulumi.String(g.CapacityType),
		InstanceTypes:       pulumi.ToStringArray(g.InstanceTypes),
		ScalingConfig: &eks.NodeGroupScalingConfigArgs{
			MinSize: pulumi.Int(g.MinSize), MaxSize: pulumi.Int(g.MaxSize), DesiredSize: pulumi.Int(g.DesiredSize),
		},
		UpdateConfig: &eks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(g.MaxUnavailable)},
		Labels:       pulumi.ToStringMap(g.Labels),
		Taints:       taints,
		LaunchTemplate: &eks.NodeGroupLaunchTemplateArgs{
			Id:      lt.ID().ToStringOutput(),
			Version: lt.LatestVersion.ApplyT(func(v int) string { return strconv.Itoa(v) }).(pulumi.StringOutput),
		},
		// The cluster autoscaler finds the group by these tags.
		Tags: pulumi.StringMap{autoscalerTag: pulumi.String("true"), autoscalerOwner + clusterName: pulumi.String("owned")},
	}, parent, pulumi.DependsOn(after),
		// The autoscaler owns the size after creation.
		pulumi.IgnoreChanges([]string{"scalingConfig.desiredSize"}))
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
