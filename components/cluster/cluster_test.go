package cluster

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/awsmodel"
	"platform/internal/plan"
	"platform/internal/plantest"
	"platform/policies"
)

const (
	eksKey  = "arn:aws:kms:us-east-1:111122223333:key/eks"
	logsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"
	admins  = "arn:aws:iam::111122223333:role/platform-admin"
	viewers = "arn:aws:iam::111122223333:role/platform-auditor"
)

func baseArgs() *ClusterArgs {
	return &ClusterArgs{
		Namer: plantest.Namer("us-east-1"), Version: "1.35",
		VpcID: pulumi.String("vpc-1"), SubnetIDs: pulumi.ToStringArray([]string{"subnet-a", "subnet-b", "subnet-c"}),
		AZs: []string{"us-east-1a", "us-east-1b", "us-east-1c"}, VpcCidr: "10.10.0.0/16",
		EksKmsKeyArn: pulumi.String(eksKey), LogsKmsKeyArn: pulumi.String(logsKey), LogRetentionDays: 365,
		AmiReleaseVersion: "1.35.0-20261110",
		NodeGroups: []NodeGroup{
			{Name: "system", CapacityType: OnDemand, InstanceTypes: []string{"m7g.large"}, AmiType: "AL2023_ARM_64_STANDARD",
				MinSize: 3, MaxSize: 6, DesiredSize: 3, DiskSizeGb: 50, MaxUnavailable: 1, Labels: map[string]string{"platform/pool": "system"}},
			{Name: "spot", CapacityType: Spot, InstanceTypes: []string{"m7g.xlarge", "m6g.xlarge", "c7g.2xlarge"}, AmiType: "AL2023_ARM_64_STANDARD",
				MinSize: 3, MaxSize: 30, DesiredSize: 3, DiskSizeGb: 50, MaxUnavailable: 2,
				Labels: map[string]string{"platform/pool": "spot"}, Taints: []Taint{{Key: "platform/spot", Value: "true", Effect: "NO_SCHEDULE"}}},
		},
		Addons: map[string]string{
			"vpc-cni": "v1.20.4-eksbuild.1", "kube-proxy": "v1.35.0-eksbuild.2", "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
			"coredns": "v1.12.4-eksbuild.1", "aws-ebs-csi-driver": "v1.48.0-eksbuild.1",
		},
		Access: []Access{
			{PrincipalArn: pulumi.String(admins), Level: ClusterAdmin},
			{PrincipalArn: pulumi.String(viewers), Level: View},
		},
		PermissionBoundaryArn: pulumi.String("arn:aws:iam::111122223333:policy/platform-boundary"),
		Protect:               true,
	}
}

func planCluster(t *testing.T, mutate func(*ClusterArgs)) *plan.Plan {
	t.Helper()
	args := baseArgs()
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewCluster(ctx, "cluster", args, prov)
		return err
	})
}

func TestClusterChildren(t *testing.T) {
	p := planCluster(t, nil)
	assert.Equal(t, map[string]int{
		"aws:cloudwatch/logGroup:LogGroup":                        1,
		"aws:iam/role:Role":                                       2,
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment":       4,
		"aws:ec2/securityGroup:SecurityGroup":                     2,
		"aws:eks/cluster:Cluster":                                 1,
		"aws:eks/accessEntry:AccessEntry":                         2,
		"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 2,
		"aws:eks/addon:Addon":                                     5,
		"aws:ec2/launchTemplate:LaunchTemplate":                   2,
		"aws:eks/nodeGroup:NodeGroup":                             2,
		"platform:cluster:WorkloadRole":                           2,
		"aws:iam/openIdConnectProvider:OpenIdConnectProvider":     1,
	}, p.ChildTypes("platform:cluster:Cluster", "cluster"))
	assert.Equal(t, map[string]int{"aws:iam/role:Role": 1, "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1},
		p.ChildTypes("platform:cluster:WorkloadRole", "cluster-vpc-cni"))
}

func TestControlPlane(t *testing.T) {
	p := planCluster(t, nil)
	c, ok := p.Named("aws:eks/cluster:Cluster", "cluster")
	require.True(t, ok)
	assert.True(t, c.Protect)
	assert.Equal(t, "1.35", c.Inputs["version"])
	assert.Equal(t, "STANDARD", plantest.Input(c, "upgradePolicy", "supportType"))
	assert.Equal(t, false, c.Inputs["bootstrapSelfManagedAddons"])
	assert.Equal(t, true, plantest.Input(c, "vpcConfig", "endpointPrivateAccess"))
	assert.Equal(t, false, plantest.Input(c, "vpcConfig", "endpointPublicAccess"), "private endpoint only by default")
	assert.Nil(t, plantest.Input(c, "vpcConfig", "publicAccessCidrs"))
	assert.Equal(t, []any{"subnet-a", "subnet-b", "subnet-c"}, plantest.Input(c, "vpcConfig", "subnetIds"))
	assert.Equal(t, eksKey, plantest.Input(c, "encryptionConfig", "provider", "keyArn"))
	assert.Equal(t, []any{"secrets"}, plantest.Input(c, "encryptionConfig", "resources"))
	assert.Equal(t, []any{"api", "audit", "authenticator", "controllerManager", "scheduler"}, c.Inputs["enabledClusterLogTypes"])
	assert.Equal(t, "API", plantest.Input(c, "accessConfig", "authenticationMode"))
	assert.Equal(t, false, plantest.Input(c, "accessConfig", "bootstrapClusterCreatorAdminPermissions"), "the creator gets no standing admin")
	assert.Equal(t, true, plantest.Input(c, "zonalShiftConfig", "enabled"))

	logs, ok := p.Named("aws:cloudwatch/logGroup:LogGroup", "cluster")
	require.True(t, ok)
	assert.Equal(t, "/aws/eks/"+c.Inputs["name"].(string)+"/cluster", logs.Inputs["name"], "the group EKS writes to exists first")
	assert.Equal(t, logsKey, logs.Inputs["kmsKeyId"])
	assert.Equal(t, 365.0, logs.Inputs["retentionInDays"])
	assert.Contains(t, c.DependsOn, logs.URN)

	public := planCluster(t, func(a *ClusterArgs) { a.PublicAccessCidrs = []string{"203.0.113.0/24"} })
	pc, _ := public.Named("aws:eks/cluster:Cluster", "cluster")
	assert.Equal(t, true, plantest.Input(pc, "vpcConfig", "endpointPublicAccess"))
	assert.Equal(t, []any{"203.0.113.0/24"}, plantest.Input(pc, "vpcConfig", "publicAccessCidrs"))
}

func TestSecurityGroupsAdmitNothingFromTheWorld(t *testing.T) {
	p := planCluster(t, nil)
	for _, name := range []string{"cluster-control-plane", "cluster-nodes"} {
		sg, ok := p.Named("aws:ec2/securityGroup:SecurityGroup", name)
		require.True(t, ok, name)
		assert.NotEmpty(t, sg.Inputs["description"])
		for _, key := range []string{"ingress", "egress"} {
			for _, r := range sg.Inputs[key].([]any) {
				rule := r.(map[string]any)
				assert.NotEmpty(t, rule["description"], "%s %s rule described", name, key)
				if cidrs, ok := rule["cidrBlocks"].([]any); ok && key == "ingress" {
					assert.NotContains(t, cidrs, "0.0.0.0/0", "%s admits nothing from the internet", name)
				}
			}
		}
	}
}

func TestAccessEntries(t *testing.T) {
	p := planCluster(t, func(a *ClusterArgs) {
		a.Access = append(a.Access, Access{PrincipalArn: pulumi.String("arn:aws:iam::111122223333:role/deploy"), Level: Edit, Namespaces: []string{"platform-system"}})
	})
	policies := map[string]string{}
	scopes := map[string]any{}
	for _, r := range p.Resources {
		if r.Type == "aws:eks/accessPolicyAssociation:AccessPolicyAssociation" {
			principal := r.Inputs["principalArn"].(string)
			policies[principal] = r.Inputs["policyArn"].(string)
			scopes[principal] = r.Inputs["accessScope"]
		}
	}
	assert.Equal(t, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", policies[admins])
	assert.Equal(t, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", policies[viewers])
	assert.Equal(t, map[string]any{"type": "namespace", "namespaces": []any{"platform-system"}}, scopes["arn:aws:iam::111122223333:role/deploy"], "the deploy role is scoped to its namespaces")
}

func TestAccessGroups(t *testing.T) {
	dev := "arn:aws:iam::111122223333:role/developers"
	p := planCluster(t, func(a *ClusterArgs) {
		a.Access = append(a.Access, Access{PrincipalArn: pulumi.String(dev), Groups: []string{"platform:developers:mita", "platform:developers:web"}})
	})
	var entry *plan.Resource
	for i, r := range p.Resources {
		if r.Type == "aws:eks/accessEntry:AccessEntry" && r.Inputs["principalArn"] == dev {
			entry = &p.Resources[i]
		}
		if r.Type == "aws:eks/accessPolicyAssociation:AccessPolicyAssociation" {
			assert.NotEqual(t, dev, r.Inputs["principalArn"], "a groups-only principal gets no access policy")
		}
	}
	require.NotNil(t, entry)
	assert.Equal(t, []any{"platform:developers:mita", "platform:developers:web"}, entry.Inputs["kubernetesGroups"])
	assert.Equal(t, "STANDARD", entry.Inputs["type"])
}

func TestNodeGroups(t *testing.T) {
	p := planCluster(t, nil)
	for _, g := range baseArgs().NodeGroups {
		ng, ok := p.Named("aws:eks/nodeGroup:NodeGroup", "cluster-"+g.Name)
		require.True(t, ok, g.Name)
		assert.Equal(t, g.CapacityType, ng.Inputs["capacityType"])
		assert.Equal(t, "AL2023_ARM_64_STANDARD", ng.Inputs["amiType"])
		assert.Equal(t, "1.35.0-20261110", ng.Inputs["releaseVersion"], "the AMI release is pinned")
		assert.Equal(t, []any{"subnet-a", "subnet-b", "subnet-c"}, ng.Inputs["subnetIds"], "private subnets in every AZ")
		assert.Equal(t, float64(g.MinSize), plantest.Input(ng, "scalingConfig", "minSize"))
		assert.Equal(t, float64(g.MaxUnavailable), plantest.Input(ng, "updateConfig", "maxUnavailable"))
		assert.Nil(t, ng.Inputs["remoteAccess"], "no SSH")
		assert.Equal(t, "true", plantest.Input(ng, "tags", "k8s.io/cluster-autoscaler/enabled"))
		assert.Equal(t, "1", plantest.Input(ng, "launchTemplate", "version"))
		lt, ok := p.Named("aws:ec2/launchTemplate:LaunchTemplate", "cluster-"+g.Name)
		require.True(t, ok)
		assert.Equal(t, "required", plantest.Input(lt, "metadataOptions", "httpTokens"))
		assert.Equal(t, 1.0, plantest.Input(lt, "metadataOptions", "httpPutResponseHopLimit"))
		assert.Nil(t, lt.Inputs["keyName"])
		ebs := plantest.Input(lt, "blockDeviceMappings", 0, "ebs").(map[string]any)
		assert.Equal(t, "true", ebs["encrypted"])
		assert.Equal(t, eksKey, ebs["kmsKeyId"])
		assert.Equal(t, "gp3", ebs["volumeType"])
	}
	spot, _ := p.Named("aws:eks/nodeGroup:NodeGroup", "cluster-spot")
	assert.Len(t, spot.Inputs["instanceTypes"], 3)
	assert.Equal(t, []any{map[string]any{"key": "platform/spot", "value": "true", "effect": "NO_SCHEDULE"}}, spot.Inputs["taints"])
}

func TestAddonsArePinnedAndOrdered(t *testing.T) {
	p := planCluster(t, nil)
	args := baseArgs()
	groups := []string{}
	for _, r := range p.Resources {
		if r.Type == "aws:eks/nodeGroup:NodeGroup" {
			groups = append(groups, r.URN)
		}
	}
	for _, name := range RequiredAddons {
		addon, ok := p.Named("aws:eks/addon:Addon", "cluster-"+name)
		require.True(t, ok, name)
		assert.Equal(t, args.Addons[name], addon.Inputs["addonVersion"], "%s is pinned", name)
		assert.Equal(t, "OVERWRITE", addon.Inputs["resolveConflictsOnCreate"])
		assert.Equal(t, "PRESERVE", addon.Inputs["resolveConflictsOnUpdate"])
		for _, g := range groups {
			if contains(beforeNodes, name) {
				assert.NotContains(t, addon.DependsOn, g, "%s comes before the nodes", name)
			} else {
				assert.Contains(t, addon.DependsOn, g, "%s waits for the nodes", name)
			}
		}
	}
	for _, g := range groups {
		ng, _ := p.ByURN(g)
		for _, name := range beforeNodes {
			addon, _ := p.Named("aws:eks/addon:Addon", "cluster-"+name)
			assert.Contains(t, ng.DependsOn, addon.URN, "nodes join after %s", name)
		}
	}
	cni, _ := p.Named("aws:eks/addon:Addon", "cluster-vpc-cni")
	var cfg map[string]any
	require.NoError(t, json.Unmarshal([]byte(cni.Inputs["configurationValues"].(string)), &cfg))
	assert.Equal(t, "true", cfg["enableNetworkPolicy"], "NetworkPolicies are enforced")
	assert.Equal(t, "aws-node", plantest.Input(cni, "podIdentityAssociations", 0, "serviceAccount"))
}

func TestWorkloadRoleTrust(t *testing.T) {
	p := planCluster(t, nil)
	role, ok := p.Named("aws:iam/role:Role", "cluster-ebs-csi")
	require.True(t, ok)
	assert.Equal(t, "arn:aws:iam::111122223333:policy/platform-boundary", role.Inputs["permissionsBoundary"])
	var trust struct {
		Statement []struct {
			Principal map[string]any
			Action    []string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(role.Inputs["assumeRolePolicy"].(string)), &trust))
	require.Len(t, trust.Statement, 1)
	st := trust.Statement[0]
	assert.Equal(t, "pods.eks.amazonaws.com", st.Principal["Service"])
	assert.Equal(t, []string{"sts:AssumeRole", "sts:TagSession"}, st.Action)
	assert.Equal(t, "kube-system", st.Condition["StringEquals"]["aws:RequestTag/kubernetes-namespace"])
	assert.Equal(t, "ebs-csi-controller-sa", st.Condition["StringEquals"]["aws:RequestTag/kubernetes-service-account"])

	node, ok := p.Named("aws:iam/role:Role", "cluster-node")
	require.True(t, ok)
	var attached []string
	for _, r := range p.Resources {
		if r.Type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.Parent == node.Parent && len(r.Name) > len("cluster-node") && r.Name[:len("cluster-node")] == "cluster-node" {
			attached = append(attached, r.Inputs["policyArn"].(string))
		}
	}
	assert.ElementsMatch(t, []string{workerPolicy, ecrPullPolicy, ssmPolicy}, attached, "the node role gets the node policies only; the CNI has its own role")
}

// TestResizingReplacesNoCluster: a new Kubernetes version, instance type
// or node count never replaces the cluster, its add-ons or launch
// templates (judged with the AWS provider's replacing properties). A node
// group is replaced only for new instance types, which AWS cannot change
// in place; its name prefix lets the new group come up first.
func TestResizingReplacesNoCluster(t *testing.T) {
	before := planCluster(t, nil)
	after := planCluster(t, func(a *ClusterArgs) {
		a.Version = "1.36"
		a.NodeGroups[0].InstanceTypes = []string{"m7g.xlarge"}
		a.NodeGroups[0].MinSize, a.NodeGroups[0].DesiredSize, a.NodeGroups[0].MaxSize = 4, 4, 8
		a.Addons["kube-proxy"] = "v1.36.0-eksbuild.1"
	})
	for _, typ := range []string{"aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon", "aws:ec2/launchTemplate:LaunchTemplate"} {
		for _, old := range before.Resources {
			if old.Type != typ {
				continue
			}
			now, ok := after.ByURN(old.URN)
			require.True(t, ok, "%s keeps its URN", old.URN)
			for key, v := range now.Inputs {
				if !assert.ObjectsAreEqual(v, old.Inputs[key]) {
					replaces := awsmodel.ReplacesChange(typ, key, old.Inputs[key], v, false)
					assert.Equal(t, typ == "aws:eks/nodeGroup:NodeGroup" && key == "instanceTypes", replaces, "changing %s of %s", key, old.Name)
				}
			}
		}
	}
	ng, _ := after.Named("aws:eks/nodeGroup:NodeGroup", "cluster-system")
	assert.Equal(t, []any{"m7g.xlarge"}, ng.Inputs["instanceTypes"])
	assert.Nil(t, ng.Inputs["nodeGroupName"])
	assert.Contains(t, ng.Inputs["nodeGroupNamePrefix"], "eks-system-")
}

func TestInvalidClusterArgs(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*ClusterArgs)
		want   string
	}{
		{"world-open endpoint", func(a *ClusterArgs) { a.PublicAccessCidrs = []string{"0.0.0.0/0"} }, "publicAccessCidrs[0]: 0.0.0.0/0 opens the API to the whole internet"},
		{"two AZs", func(a *ClusterArgs) { a.AZs = a.AZs[:2] }, "azs: the nodes span at least 3 availability zones, got 2"},
		{"unpinned version", func(a *ClusterArgs) { a.Version = "latest" }, "version: must be a pinned Kubernetes minor version"},
		{"spot with one type", func(a *ClusterArgs) { a.NodeGroups[1].InstanceTypes = []string{"m7g.xlarge"} }, "nodeGroups[1] (spot).instanceTypes: a spot group needs at least 3 instance types"},
		{"small system group", func(a *ClusterArgs) { a.NodeGroups[0].MinSize = 2 }, "nodeGroups[0] (system).minSize: at least 3 nodes"},
		{"unpinned add-on", func(a *ClusterArgs) { delete(a.Addons, "coredns") }, "addons.coredns: pin its version"},
		{"cluster admin in a namespace", func(a *ClusterArgs) { a.Access[0].Namespaces = []string{"x"} }, "access[0].namespaces: cluster-admin is cluster-wide"},
		{"no level and no group", func(a *ClusterArgs) { a.Access[1].Level = "" }, "access[1].level: must be cluster-admin, admin, edit or view (or empty with groups)"},
		{"system group", func(a *ClusterArgs) { a.Access[1].Groups = []string{"system:masters"} }, `access[1].groups[0]: must be a group of the platform's, not empty or system:*, got "system:masters"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewCluster(ctx, "cluster", args)
				return err
			}, tt.want)
		})
	}
}

func TestDefaultStorageClass(t *testing.T) {
	p := plantest.RunWithKubernetes(t, func(ctx *pulumi.Context, k8s pulumi.ResourceOption) error {
		_, err := NewStorageClass(ctx, "storage", &StorageClassArgs{KmsKeyArn: pulumi.String(eksKey)}, k8s)
		return err
	})
	sc, ok := p.Named("kubernetes:storage.k8s.io/v1:StorageClass", "storage")
	require.True(t, ok)
	assert.Contains(t, sc.Provider, "pulumi:providers:kubernetes::k8s", "the explicit provider, never the default one")
	assert.Equal(t, "gp3", plantest.Input(sc, "metadata", "name"))
	assert.Equal(t, "true", plantest.Input(sc, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class"))
	assert.Equal(t, "ebs.csi.aws.com", sc.Inputs["provisioner"])
	assert.Equal(t, map[string]any{"type": "gp3", "encrypted": "true", "kmsKeyId": eksKey}, sc.Inputs["parameters"])
	assert.Equal(t, "WaitForFirstConsumer", sc.Inputs["volumeBindingMode"], "the volume follows the pod's AZ")
	assert.Equal(t, true, sc.Inputs["allowVolumeExpansion"])
	assert.Equal(t, "Retain", sc.Inputs["reclaimPolicy"], "a deleted claim does not delete data")

	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		_, err := NewStorageClass(ctx, "storage", &StorageClassArgs{})
		return err
	}, "kmsKeyArn: volumes are encrypted with a customer-managed key")
}

func TestKubeconfigHasNoCredential(t *testing.T) {
	var kubeconfig string
	plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		c, err := NewCluster(ctx, "cluster", baseArgs(), prov)
		if err != nil {
			return err
		}
		c.Kubeconfig("us-east-1").ApplyT(func(s string) string { kubeconfig = s; return s })
		return nil
	})
	var cfg struct {
		Clusters []struct {
			Cluster map[string]string `json:"cluster"`
		} `json:"clusters"`
		Users []struct {
			User struct {
				Token string `json:"token"`
				Exec  struct {
					Command string   `json:"command"`
					Args    []string `json:"args"`
				} `json:"exec"`
			} `json:"user"`
		} `json:"users"`
	}
	require.NoError(t, json.Unmarshal([]byte(kubeconfig), &cfg))
	require.Len(t, cfg.Users, 1)
	assert.Empty(t, cfg.Users[0].User.Token, "no static token")
	assert.Equal(t, "aws", cfg.Users[0].User.Exec.Command)
	assert.Equal(t, []string{"eks", "get-token", "--cluster-name", "platform-prod-use1-eks", "--region", "us-east-1", "--output", "json"}, cfg.Users[0].User.Exec.Args)
	assert.Contains(t, cfg.Clusters[0].Cluster["server"], ".gr7.us-east-1.eks.amazonaws.com")
	assert.NotEmpty(t, cfg.Clusters[0].Cluster["certificate-authority-data"])
}

// TestIRSARole: where Pod Identity does not serve a workload, the helper
// makes a role trusted through the cluster's OIDC provider for exactly one
// service account (the pack's irsa-trust-scoped control).
func TestIRSARole(t *testing.T) {
	p := plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		c, err := NewCluster(ctx, "cluster", baseArgs(), prov)
		if err != nil {
			return err
		}
		_, err = NewWorkloadRole(ctx, "legacy", &WorkloadRoleArgs{
			Namer: plantest.Namer("us-east-1"), Namespace: "payments", ServiceAccount: "exporter",
			PolicyArns: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}, OIDC: &c.OIDC,
		}, prov)
		return err
	})
	oidc, ok := p.Named("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "cluster-oidc")
	require.True(t, ok)
	assert.Contains(t, oidc.Inputs["url"], "https://oidc.eks.us-east-1.amazonaws.com/id/")
	assert.Equal(t, []any{"sts.amazonaws.com"}, oidc.Inputs["clientIdLists"])
	role, ok := p.Named("aws:iam/role:Role", "legacy")
	require.True(t, ok)
	var trust struct {
		Statement []struct {
			Principal map[string]string
			Action    string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(role.Inputs["assumeRolePolicy"].(string)), &trust))
	st := trust.Statement[0]
	assert.Contains(t, st.Principal["Federated"], ":oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/")
	assert.Equal(t, "sts:AssumeRoleWithWebIdentity", st.Action)
	var sub, aud string
	for k, v := range st.Condition["StringEquals"] {
		switch {
		case strings.HasSuffix(k, ":sub"):
			sub = v
		case strings.HasSuffix(k, ":aud"):
			aud = v
		}
	}
	assert.Equal(t, "system:serviceaccount:payments:exporter", sub)
	assert.Equal(t, "sts.amazonaws.com", aud)
	r := policies.Evaluate(policies.FromPlan(p), policies.Options{Project: "platform", Stack: "test"})
	for _, v := range r.Violations {
		assert.NotEqual(t, "irsa-trust-scoped", v.Policy, v.Message)
	}
}
