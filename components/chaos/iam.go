package chaos

import (
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// The experiment role: FIS assumes it to act, so it may do exactly what
// the enabled experiments' actions need, as the FIS action reference
// lists them, and no more. Reads go on "*" where the API has no
// resource-level permissions; every write names its target (the instance,
// the replication group, the node groups) or is conditioned on the
// cluster's tag, the VPC, or the managedByFIS tag FIS puts on the network
// ACLs it creates.

// ids are the deploy-time values the policy names; empty for experiments
// that are not enabled.
type ids struct {
	cluster, logGroup, vpc, nodeVolumeKey, dbInstance, replicationGroup string
	nodeGroups                                                          []string
}

// experimentRole creates the role, trusted by FIS for this account's
// experiments only, under the permission boundary, with its inline policy.
func experimentRole(ctx *pulumi.Context, name string, a ExperimentsArgs, logGroupArn pulumi.StringOutput, parent, aws pulumi.ResourceOption) (*iam.Role, *iam.RolePolicy, error) {
	n := a.Namer
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Name:                pulumi.String(n.Name(naming.IAMRole, "fis")),
		Description:         pulumi.String("AWS FIS experiment role: the actions of the platform's chaos experiments, on their targets only"),
		AssumeRolePolicy:    pulumi.String(Trust(n).JSON()),
		PermissionsBoundary: a.PermissionBoundaryArn,
	}, parent, aws)
	if err != nil {
		return nil, nil, err
	}
	// The values the policy names, in order; each enabled experiment adds
	// its own and reads them back by position.
	inputs := []pulumi.StringInput{logGroupArn}
	at := func(in pulumi.StringInput) int { inputs = append(inputs, in); return len(inputs) - 1 }
	cluster, vpc, key, db, rg := -1, -1, -1, -1, -1
	var nodeGroups []int
	if a.clusterExperiments() {
		cluster = at(a.ClusterName)
	}
	if nt := a.NodeTermination; nt != nil {
		for _, arn := range nt.NodeGroupArns {
			nodeGroups = append(nodeGroups, at(arn))
		}
	}
	if d := a.DatabaseFailover; d != nil {
		db = at(d.InstanceArn)
	}
	if cf := a.CacheFailover; cf != nil {
		rg = at(cf.ReplicationGroupArn)
	}
	if z := a.AZImpairment; z != nil {
		vpc, key = at(z.VpcID), at(z.NodeVolumeKmsKeyArn)
	}
	doc := policydoc.FromOutputs(func(v []string) policydoc.Document {
		get := func(i int) string {
			if i < 0 {
				return ""
			}
			return v[i]
		}
		resolved := ids{logGroup: v[0], cluster: get(cluster), vpc: get(vpc), nodeVolumeKey: get(key), dbInstance: get(db), replicationGroup: get(rg)}
		for _, i := range nodeGroups {
			resolved.nodeGroups = append(resolved.nodeGroups, v[i])
		}
		return policy(a, resolved)
	}, inputs...)
	rolePolicy, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.Name, Policy: doc}, parent, aws)
	if err != nil {
		return nil, nil, err
	}
	return role, rolePolicy, nil
}

// Trust lets FIS assume the role for this account's experiments only (the
// confused-deputy guard on both the account and the experiment ARN).
func Trust(n naming.Namer) policydoc.Document {
	return policydoc.New(policydoc.Statement{
		Effect:    policydoc.Allow,
		Principal: policydoc.Service("fis.amazonaws.com"),
		Action:    "sts:AssumeRole",
		Condition: policydoc.Conditions{
			"StringEquals": {"aws:SourceAccount": n.AccountID},
			"ArnLike":      {"aws:SourceArn": n.ARN("fis", "experiment/*")},
		},
	})
}

// policy is the experiment role's policy for the enabled experiments.
func policy(a ExperimentsArgs, v ids) policydoc.Document {
	n := a.Namer
	var (
		statements []policydoc.Statement
		describes  []string
	)
	allow := func(sid string, actions []string, resource any, cond policydoc.Conditions) {
		statements = append(statements, policydoc.Statement{Sid: sid, Effect: policydoc.Allow, Action: actions, Resource: resource, Condition: cond})
	}
	describe := func(actions ...string) {
		for _, ac := range actions {
			if !slices.Contains(describes, ac) {
				describes = append(describes, ac)
			}
		}
	}
	// Experiment logging to CloudWatch Logs (vended logs): creating the
	// delivery has no resource-level permissions; the look-ups are on the
	// account's log groups, as the CloudWatch Logs guide asks.
	allow("ExperimentLogDelivery", []string{"logs:CreateLogDelivery"}, "*", nil)
	allow("ExperimentLogGroupLookup", []string{"logs:DescribeLogGroups", "logs:DescribeResourcePolicies"}, n.ARN("logs", "log-group:*"), nil)
	// Every action of the reference lists it: FIS resolves targets
	// through the tagging API, which has no resource-level permissions.
	allow("ResolveTargets", []string{"tag:GetResources"}, "*", nil)
	nodes := n.ARN("ec2", "instance/*")
	ofCluster := policydoc.Conditions{"StringEquals": {"aws:ResourceTag/" + clusterTag: v.cluster}}

	if a.PodDeletion != nil {
		// The pod action finds the cluster and the pods' subnets; in the
		// cluster it acts as FISUser, under the namespace's RoleBinding.
		allow("PodActionCluster", []string{"eks:DescribeCluster"}, n.ARN("eks", "cluster/"+v.cluster), nil)
		describe("ec2:DescribeSubnets")
	}
	if a.NodeTermination != nil {
		allow("NodeGroups", []string{"eks:DescribeNodegroup"}, v.nodeGroups, nil)
		allow("TerminateClusterNodes", []string{"ec2:TerminateInstances"}, nodes, ofCluster)
		describe("ec2:DescribeInstances")
	}
	if a.DatabaseFailover != nil {
		allow("RebootDatabase", []string{"rds:RebootDBInstance", "rds:DescribeDBInstances"}, v.dbInstance, nil)
	}
	if a.CacheFailover != nil {
		allow("InterruptCacheAZPower", []string{"elasticache:InterruptClusterAzPower", "elasticache:DescribeReplicationGroups"}, v.replicationGroup, nil)
	}
	if a.AZImpairment != nil {
		vpc := n.ARN("ec2", "vpc/"+v.vpc)
		acls := n.ARN("ec2", "network-acl/*")
		fisTagged := policydoc.Conditions{"StringEquals": {"aws:ResourceTag/managedByFIS": "true"}}
		allow("StopStartClusterNodes", []string{"ec2:StopInstances", "ec2:StartInstances"}, nodes, ofCluster)
		// Starting a node again needs a grant on its volumes' key, for
		// EC2 to attach them.
		allow("RestartEncryptedNodeVolumes", []string{"kms:CreateGrant"}, v.nodeVolumeKey, policydoc.Conditions{
			"Bool":         {"kms:GrantIsForAWSResource": "true"},
			"StringEquals": {"kms:ViaService": "ec2." + n.Region + ".amazonaws.com"},
		})
		// disrupt-connectivity clones each subnet's network ACL into one
		// tagged managedByFIS=true, adds deny entries to it, swaps it in
		// and back, then deletes it (the AWS managed policy
		// AWSFaultInjectionSimulatorNetworkAccess, scoped to the VPC).
		allow("CreateFISNetworkAcl", []string{"ec2:CreateNetworkAcl"}, acls, policydoc.Conditions{"StringEquals": {"aws:RequestTag/managedByFIS": "true"}})
		allow("CreateFISNetworkAclInVpc", []string{"ec2:CreateNetworkAcl"}, vpc, nil)
		allow("TagFISNetworkAcl", []string{"ec2:CreateTags"}, acls, policydoc.Conditions{"StringEquals": {
			"ec2:CreateAction": "CreateNetworkAcl", "aws:RequestTag/managedByFIS": "true",
		}})
		allow("ChangeFISNetworkAcl", []string{"ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"}, []string{acls, vpc}, fisTagged)
		allow("SwapSubnetNetworkAcl", []string{"ec2:ReplaceNetworkAclAssociation"}, []string{n.ARN("ec2", "subnet/*"), acls},
			policydoc.Conditions{"ArnEquals": {"ec2:Vpc": vpc}})
		allow("ReadPrefixLists", []string{"ec2:GetManagedPrefixListEntries"}, n.ARN("ec2", "prefix-list/*"), nil)
		describe("ec2:DescribeInstances", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeNetworkAcls", "ec2:DescribeManagedPrefixLists")
	}
	if len(describes) > 0 {
		// EC2 Describe calls have no resource-level permissions.
		allow("DescribeEC2", describes, "*", nil)
	}
	return policydoc.New(statements...)
}
