package chaos

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

const (
	logsKey     = "arn:aws:kms:us-east-1:111122223333:key/logs"
	eksKey      = "arn:aws:kms:us-east-1:111122223333:key/eks"
	boundary    = "arn:aws:iam::111122223333:policy/platform-prod-use1-permission-boundary"
	cluster     = "platform-prod-use1"
	vpcID       = "vpc-0abc"
	dbArn       = "arn:aws:rds:us-east-1:111122223333:db:platform-prod-use1-postgres"
	cacheArn    = "arn:aws:elasticache:us-east-1:111122223333:replicationgroup:platform-prod-use1-redis"
	systemGroup = "arn:aws:eks:us-east-1:111122223333:nodegroup/platform-prod-use1/system/1"
	spotGroup   = "arn:aws:eks:us-east-1:111122223333:nodegroup/platform-prod-use1/spot/2"
	apiAlarm    = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:canary-api"
	dbAlarm     = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:canary-ledger"
	roleArn     = "arn:aws:iam::111122223333:role/platform-prod-use1-fis"
	logGroupArn = "arn:aws:logs:us-east-1:111122223333:log-group:/platform/prod/use1/fis/experiments"

	tTemplate = "aws:fis/experimentTemplate:ExperimentTemplate"
)

func alarms(arns ...string) []pulumi.StringInput {
	var out []pulumi.StringInput
	for _, a := range arns {
		out = append(out, pulumi.String(a))
	}
	return out
}

func fullArgs() *ExperimentsArgs {
	return &ExperimentsArgs{
		Namer: plantest.Namer("us-east-1"), LogsKmsKeyArn: pulumi.String(logsKey), LogRetentionDays: 365,
		PermissionBoundaryArn: pulumi.String(boundary), ClusterName: pulumi.String(cluster),
		PodDeletion: &PodDeletion{Namespace: "mita", Selector: "app.kubernetes.io/name=mita-backend", Count: 2, StopAlarmArns: alarms(apiAlarm)},
		NodeTermination: &NodeTermination{
			NodeGroupArns: []pulumi.StringInput{pulumi.String(systemGroup), pulumi.String(spotGroup)}, StopAlarmArns: alarms(apiAlarm),
		},
		DatabaseFailover: &DatabaseFailover{InstanceArn: pulumi.String(dbArn), StopAlarmArns: alarms(apiAlarm, dbAlarm)},
		CacheFailover:    &CacheFailover{ReplicationGroupArn: pulumi.String(cacheArn), AZ: "us-east-1a", Duration: "PT5M", StopAlarmArns: alarms(apiAlarm)},
		AZImpairment: &AZImpairment{
			AZ: "us-east-1b", VpcID: pulumi.String(vpcID), NodeVolumeKmsKeyArn: pulumi.String(eksKey), Duration: "PT15M", StopAlarmArns: alarms(apiAlarm),
		},
	}
}

func planChaos(t *testing.T, args *ExperimentsArgs) *plan.Plan {
	t.Helper()
	return plantest.RunWithProviders(t, "us-east-1", func(ctx *pulumi.Context, aws, k8s pulumi.ResourceOption) error {
		_, err := NewExperiments(ctx, "chaos", args, aws, k8s)
		return err
	})
}

func template(t *testing.T, p *plan.Plan, suffix string) plan.Resource {
	t.Helper()
	return plantest.Named(t, p, tTemplate, "chaos-"+suffix)
}

// params flattens an action's [{key, value}] parameters.
func params(t *testing.T, action any) map[string]any {
	t.Helper()
	out := map[string]any{}
	list, _ := action.(map[string]any)["parameters"].([]any)
	for _, p := range list {
		kv := p.(map[string]any)
		out[kv["key"].(string)] = kv["value"]
	}
	return out
}

func TestChildren(t *testing.T) {
	p := planChaos(t, fullArgs())
	assert.Equal(t, map[string]int{
		"aws:cloudwatch/logGroup:LogGroup":                    1,
		"aws:cloudwatch/logResourcePolicy:LogResourcePolicy":  1,
		"aws:iam/role:Role":                                   1,
		"aws:iam/rolePolicy:RolePolicy":                       1,
		tTemplate:                                             5,
		"aws:eks/accessEntry:AccessEntry":                     1,
		"kubernetes:core/v1:ServiceAccount":                   1,
		"kubernetes:rbac.authorization.k8s.io/v1:Role":        1,
		"kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 1,
	}, p.ChildTypes("platform:chaos:Experiments", "chaos"))
	assert.Empty(t, p.OfType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation"), "the FIS user gets no EKS access policy, cluster-admin least of all")
	plantest.AssertProviders(t, p, "us-east-1")
}

func TestOnlyEnabledExperiments(t *testing.T) {
	args := fullArgs()
	args.PodDeletion, args.NodeTermination, args.CacheFailover, args.AZImpairment = nil, nil, nil, nil
	p := planChaos(t, args)
	templates := p.OfType(tTemplate)
	require.Len(t, templates, 1)
	assert.Equal(t, "chaos-database-failover", templates[0].Name)
	assert.Empty(t, p.OfType("aws:eks/accessEntry:AccessEntry"), "no pod experiment, no Kubernetes identity")
	assert.Empty(t, p.OfType("kubernetes:core/v1:ServiceAccount"))
}

func TestLogGroup(t *testing.T) {
	p := planChaos(t, fullArgs())
	lg := plantest.Named(t, p, "aws:cloudwatch/logGroup:LogGroup", "chaos")
	assert.Equal(t, logsKey, lg.Inputs["kmsKeyId"], "the experiment log is encrypted with the logs key")
	assert.Equal(t, 365.0, lg.Inputs["retentionInDays"], "the experiment log is audit evidence: a year")
	assert.Equal(t, "/platform/prod/use1/fis/experiments", lg.Inputs["name"])

	rp := plantest.Named(t, p, "aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "chaos")
	var doc struct {
		Statement []struct {
			Principal map[string]string
			Action    []string
			Resource  string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(rp.Inputs["policyDocument"].(string)), &doc))
	require.Len(t, doc.Statement, 1)
	s := doc.Statement[0]
	assert.Equal(t, "delivery.logs.amazonaws.com", s.Principal["Service"])
	assert.ElementsMatch(t, []string{"logs:CreateLogStream", "logs:PutLogEvents"}, s.Action)
	assert.Equal(t, logGroupArn+":log-stream:*", s.Resource, "log delivery may write to this log group only")
	assert.Equal(t, "111122223333", s.Condition["StringEquals"]["aws:SourceAccount"])
	assert.Equal(t, "arn:aws:logs:us-east-1:111122223333:*", s.Condition["ArnLike"]["aws:SourceArn"])
}

func TestTemplatesCommon(t *testing.T) {
	p := planChaos(t, fullArgs())
	stopsOf := map[string][]string{
		"pod-deletion": {apiAlarm}, "node-termination": {apiAlarm}, "database-failover": {apiAlarm, dbAlarm},
		"cache-failover": {apiAlarm}, "az-impairment": {apiAlarm},
	}
	for suffix, want := range stopsOf {
		tmpl := template(t, p, suffix)
		assert.Equal(t, roleArn, tmpl.Inputs["roleArn"], suffix)
		assert.True(t, strings.HasPrefix(tmpl.Inputs["description"].(string), "Hypothesis: "), "%s states its hypothesis", suffix)
		assert.LessOrEqual(t, len(tmpl.Inputs["description"].(string)), 512, "FIS descriptions are at most 512 characters")

		var got []string
		for _, s := range tmpl.Inputs["stopConditions"].([]any) {
			sc := s.(map[string]any)
			assert.Equal(t, "aws:cloudwatch:alarm", sc["source"], "%s stops on an alarm, never \"none\"", suffix)
			got = append(got, sc["value"].(string))
		}
		assert.Equal(t, want, got, "%s stops on exactly its alarms", suffix)

		assert.Equal(t, 2.0, plantest.Input(tmpl, "logConfiguration", "logSchemaVersion"), suffix)
		assert.Equal(t, logGroupArn+":*", plantest.Input(tmpl, "logConfiguration", "cloudwatchLogsConfiguration", "logGroupArn"), suffix)
		assert.Equal(t, "single-account", plantest.Input(tmpl, "experimentOptions", "accountTargeting"), suffix)
		assert.Equal(t, "fail", plantest.Input(tmpl, "experimentOptions", "emptyTargetResolutionMode"), "%s fails when its targets resolve to nothing", suffix)
		assert.Equal(t, "platform-prod-use1-fis-"+suffix, plantest.Input(tmpl, "tags", "Name"), suffix)
	}
}

func TestPodDeletionTemplate(t *testing.T) {
	p := planChaos(t, fullArgs())
	tmpl := template(t, p, "pod-deletion")
	actions := tmpl.Inputs["actions"].([]any)
	require.Len(t, actions, 1)
	a := actions[0].(map[string]any)
	assert.Equal(t, "aws:eks:pod-delete", a["actionId"])
	assert.Equal(t, map[string]any{"key": "Pods", "value": "targets"}, a["target"])
	assert.Equal(t, map[string]any{"kubernetesServiceAccount": ServiceAccount, "fisPodSecurityPolicy": "restricted"}, params(t, a))

	target := plantest.Input(tmpl, "targets", 0).(map[string]any)
	assert.Equal(t, "aws:eks:pod", target["resourceType"])
	assert.Equal(t, "COUNT(2)", target["selectionMode"], "a few pods, not the workload")
	assert.Equal(t, map[string]any{
		"clusterIdentifier": cluster, "namespace": "mita", "selectorType": "labelSelector", "selectorValue": "app.kubernetes.io/name=mita-backend",
	}, target["parameters"])
	assert.Nil(t, target["resourceArns"], "pods are found by parameters only")
}

func TestPodDeletionSelection(t *testing.T) {
	for _, tt := range []struct {
		name           string
		count, percent int
		image          string
		want           string
	}{
		{"one pod by default", 0, 0, "", "COUNT(1)"},
		{"a percentage", 0, 25, "", "PERCENT(25)"},
		{"a mirrored FIS image", 3, 0, "123456789012.dkr.ecr.us-east-1.amazonaws.com/aws-fis-pod:1.0.0", "COUNT(3)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := fullArgs()
			args.PodDeletion.Count, args.PodDeletion.Percent, args.PodDeletion.FISPodImage = tt.count, tt.percent, tt.image
			tmpl := template(t, planChaos(t, args), "pod-deletion")
			assert.Equal(t, tt.want, plantest.Input(tmpl, "targets", 0, "selectionMode"))
			image, set := params(t, plantest.Input(tmpl, "actions", 0))["fisPodContainerImage"]
			assert.Equal(t, tt.image != "", set)
			if set {
				assert.Equal(t, tt.image, image)
			}
		})
	}
}

func TestNodeTerminationTemplate(t *testing.T) {
	p := planChaos(t, fullArgs())
	tmpl := template(t, p, "node-termination")
	a := plantest.Input(tmpl, "actions", 0)
	assert.Equal(t, "aws:eks:terminate-nodegroup-instances", plantest.Input(tmpl, "actions", 0, "actionId"))
	assert.Equal(t, map[string]any{"key": "Nodegroups", "value": "targets"}, plantest.Input(tmpl, "actions", 0, "target"))
	assert.Equal(t, map[string]any{"instanceTerminationPercentage": "33"}, params(t, a), "a third of each group by default")
	target := plantest.Input(tmpl, "targets", 0).(map[string]any)
	assert.Equal(t, "aws:eks:nodegroup", target["resourceType"])
	assert.Equal(t, []any{systemGroup, spotGroup}, target["resourceArns"])
	assert.Equal(t, "ALL", target["selectionMode"])

	args := fullArgs()
	args.NodeTermination.Percent = 50
	tmpl = template(t, planChaos(t, args), "node-termination")
	assert.Equal(t, map[string]any{"instanceTerminationPercentage": "50"}, params(t, plantest.Input(tmpl, "actions", 0)))
}

func TestDatabaseFailoverTemplate(t *testing.T) {
	tmpl := template(t, planChaos(t, fullArgs()), "database-failover")
	assert.Equal(t, "aws:rds:reboot-db-instances", plantest.Input(tmpl, "actions", 0, "actionId"))
	assert.Equal(t, map[string]any{"key": "DBInstances", "value": "targets"}, plantest.Input(tmpl, "actions", 0, "target"))
	assert.Equal(t, map[string]any{"forceFailover": "true"}, params(t, plantest.Input(tmpl, "actions", 0)), "a reboot with failover to the standby")
	target := plantest.Input(tmpl, "targets", 0).(map[string]any)
	assert.Equal(t, "aws:rds:db", target["resourceType"])
	assert.Equal(t, []any{dbArn}, target["resourceArns"])
	assert.Equal(t, "ALL", target["selectionMode"])
}

func TestCacheFailoverTemplate(t *testing.T) {
	tmpl := template(t, planChaos(t, fullArgs()), "cache-failover")
	assert.Equal(t, "aws:elasticache:replicationgroup-interrupt-az-power", plantest.Input(tmpl, "actions", 0, "actionId"))
	assert.Equal(t, map[string]any{"key": "ReplicationGroups", "value": "targets"}, plantest.Input(tmpl, "actions", 0, "target"))
	assert.Equal(t, map[string]any{"duration": "PT5M"}, params(t, plantest.Input(tmpl, "actions", 0)))
	target := plantest.Input(tmpl, "targets", 0).(map[string]any)
	assert.Equal(t, "aws:elasticache:replicationgroup", target["resourceType"])
	assert.Equal(t, []any{cacheArn}, target["resourceArns"])
	assert.Equal(t, map[string]any{"availabilityZoneIdentifier": "us-east-1a"}, target["parameters"])
	assert.Equal(t, "ALL", target["selectionMode"])

	args := fullArgs()
	args.CacheFailover.Duration = ""
	tmpl = template(t, planChaos(t, args), "cache-failover")
	assert.Equal(t, map[string]any{"duration": DefaultDuration}, params(t, plantest.Input(tmpl, "actions", 0)))
}

func TestAZImpairmentTemplate(t *testing.T) {
	tmpl := template(t, planChaos(t, fullArgs()), "az-impairment")
	actions := map[string]map[string]any{}
	for _, a := range tmpl.Inputs["actions"].([]any) {
		actions[a.(map[string]any)["name"].(string)] = a.(map[string]any)
	}
	require.Len(t, actions, 2)
	stop := actions["stop-nodes"]
	assert.Equal(t, "aws:ec2:stop-instances", stop["actionId"])
	assert.Equal(t, map[string]any{"key": "Instances", "value": "nodes"}, stop["target"])
	assert.Equal(t, map[string]any{"startInstancesAfterDuration": "PT15M", "completeIfInstancesTerminated": "true"}, params(t, stop))
	cut := actions["cut-subnets"]
	assert.Equal(t, "aws:network:disrupt-connectivity", cut["actionId"])
	assert.Equal(t, map[string]any{"key": "Subnets", "value": "subnets"}, cut["target"])
	assert.Equal(t, map[string]any{"scope": "all", "duration": "PT15M"}, params(t, cut))
	assert.Nil(t, stop["startAfters"], "both faults start together")
	assert.Nil(t, cut["startAfters"])

	targets := map[string]map[string]any{}
	for _, tg := range tmpl.Inputs["targets"].([]any) {
		targets[tg.(map[string]any)["name"].(string)] = tg.(map[string]any)
	}
	nodes := targets["nodes"]
	assert.Equal(t, "aws:ec2:instance", nodes["resourceType"])
	assert.Equal(t, []any{map[string]any{"key": "eks:cluster-name", "value": cluster}}, nodes["resourceTags"], "only this cluster's nodes")
	assert.Equal(t, []any{
		map[string]any{"path": "Placement.AvailabilityZone", "values": []any{"us-east-1b"}},
		map[string]any{"path": "State.Name", "values": []any{"running"}},
	}, nodes["filters"])
	assert.Equal(t, "ALL", nodes["selectionMode"], "an AZ loses all its nodes")
	subnets := targets["subnets"]
	assert.Equal(t, "aws:ec2:subnet", subnets["resourceType"])
	assert.Equal(t, []any{map[string]any{"key": "tier", "value": "private"}}, subnets["resourceTags"], "the private tier by default")
	assert.Equal(t, []any{
		map[string]any{"path": "AvailabilityZone", "values": []any{"us-east-1b"}},
		map[string]any{"path": "VpcId", "values": []any{vpcID}},
	}, subnets["filters"])
	assert.Equal(t, "ALL", subnets["selectionMode"])
}

// policyDoc is the experiment role's policy, parsed.
type policyDoc struct {
	Statement []struct {
		Sid       string
		Effect    string
		Action    []string
		Resource  any
		Condition map[string]map[string]any
	}
}

func rolePolicy(t *testing.T, p *plan.Plan) policyDoc {
	t.Helper()
	var doc policyDoc
	require.NoError(t, json.Unmarshal([]byte(plantest.Named(t, p, "aws:iam/rolePolicy:RolePolicy", "chaos").Inputs["policy"].(string)), &doc))
	return doc
}

func (d policyDoc) actions() []string {
	var out []string
	for _, s := range d.Statement {
		out = append(out, s.Action...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (d policyDoc) statement(t *testing.T, sid string) (resource any, cond map[string]map[string]any) {
	t.Helper()
	for _, s := range d.Statement {
		if s.Sid == sid {
			return s.Resource, s.Condition
		}
	}
	t.Fatalf("no statement %s", sid)
	return nil, nil
}

func TestRole(t *testing.T) {
	p := planChaos(t, fullArgs())
	role := plantest.Named(t, p, "aws:iam/role:Role", "chaos")
	assert.Equal(t, "platform-prod-use1-fis", role.Inputs["name"])
	assert.Equal(t, boundary, role.Inputs["permissionsBoundary"], "the role carries the permission boundary")
	var trust struct {
		Statement []struct {
			Principal map[string]string
			Action    string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(role.Inputs["assumeRolePolicy"].(string)), &trust))
	require.Len(t, trust.Statement, 1)
	s := trust.Statement[0]
	assert.Equal(t, "fis.amazonaws.com", s.Principal["Service"])
	assert.Equal(t, "sts:AssumeRole", s.Action)
	assert.Equal(t, "111122223333", s.Condition["StringEquals"]["aws:SourceAccount"], "only this account's experiments")
	assert.Equal(t, "arn:aws:fis:us-east-1:111122223333:experiment/*", s.Condition["ArnLike"]["aws:SourceArn"])
}

func TestRolePolicyAllExperiments(t *testing.T) {
	doc := rolePolicy(t, planChaos(t, fullArgs()))
	assert.Equal(t, []string{
		"ec2:CreateNetworkAcl", "ec2:CreateNetworkAclEntry", "ec2:CreateTags", "ec2:DeleteNetworkAcl",
		"ec2:DescribeInstances", "ec2:DescribeManagedPrefixLists", "ec2:DescribeNetworkAcls", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
		"ec2:GetManagedPrefixListEntries", "ec2:ReplaceNetworkAclAssociation", "ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances",
		"eks:DescribeCluster", "eks:DescribeNodegroup",
		"elasticache:DescribeReplicationGroups", "elasticache:InterruptClusterAzPower",
		"kms:CreateGrant",
		"logs:CreateLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
		"rds:DescribeDBInstances", "rds:RebootDBInstance",
		"tag:GetResources",
	}, doc.actions(), "exactly what the enabled experiments' actions need")
	for _, s := range doc.Statement {
		assert.Equal(t, "Allow", s.Effect)
		for _, a := range s.Action {
			assert.NotContains(t, a, "*", "%s: no wildcard action", s.Sid)
			assert.False(t, strings.HasPrefix(a, "fis:"), "%s: the experiment role does not drive FIS", s.Sid)
			assert.False(t, strings.HasPrefix(a, "iam:"), "%s: no IAM", s.Sid)
		}
		if s.Resource == "*" {
			for _, a := range s.Action {
				assert.True(t, strings.Contains(a, ":Describe") || strings.Contains(a, ":Get") || a == "logs:CreateLogDelivery",
					"%s: only reads and the log delivery (no resource-level permissions) go on \"*\", not %s", s.Sid, a)
			}
		}
	}

	res, cond := doc.statement(t, "RebootDatabase")
	assert.Equal(t, dbArn, res, "the reboot names the instance")
	assert.Nil(t, cond)
	res, _ = doc.statement(t, "InterruptCacheAZPower")
	assert.Equal(t, cacheArn, res, "the power interruption names the replication group")
	res, _ = doc.statement(t, "NodeGroups")
	assert.Equal(t, []any{systemGroup, spotGroup}, res)
	res, _ = doc.statement(t, "PodActionCluster")
	assert.Equal(t, "arn:aws:eks:us-east-1:111122223333:cluster/"+cluster, res)
	for _, sid := range []string{"TerminateClusterNodes", "StopStartClusterNodes"} {
		res, cond = doc.statement(t, sid)
		assert.Equal(t, "arn:aws:ec2:us-east-1:111122223333:instance/*", res, sid)
		assert.Equal(t, map[string]any{"aws:ResourceTag/eks:cluster-name": cluster}, cond["StringEquals"], "%s: only this cluster's nodes", sid)
	}
	res, cond = doc.statement(t, "RestartEncryptedNodeVolumes")
	assert.Equal(t, eksKey, res)
	assert.Equal(t, map[string]any{"kms:GrantIsForAWSResource": "true"}, cond["Bool"], "grants for EC2 only")
	_, cond = doc.statement(t, "CreateFISNetworkAcl")
	assert.Equal(t, map[string]any{"aws:RequestTag/managedByFIS": "true"}, cond["StringEquals"])
	res, _ = doc.statement(t, "CreateFISNetworkAclInVpc")
	assert.Equal(t, "arn:aws:ec2:us-east-1:111122223333:vpc/"+vpcID, res, "network ACLs in the cluster's VPC only")
	_, cond = doc.statement(t, "TagFISNetworkAcl")
	assert.Equal(t, map[string]any{"ec2:CreateAction": "CreateNetworkAcl", "aws:RequestTag/managedByFIS": "true"}, cond["StringEquals"], "tags only on the ACL being created")
	_, cond = doc.statement(t, "ChangeFISNetworkAcl")
	assert.Equal(t, map[string]any{"aws:ResourceTag/managedByFIS": "true"}, cond["StringEquals"], "entries and deletion only on FIS's own ACLs")
	_, cond = doc.statement(t, "SwapSubnetNetworkAcl")
	assert.Equal(t, map[string]any{"ec2:Vpc": "arn:aws:ec2:us-east-1:111122223333:vpc/" + vpcID}, cond["ArnEquals"], "subnets of the cluster's VPC only")
}

func TestRolePolicyOneExperiment(t *testing.T) {
	args := fullArgs()
	args.PodDeletion, args.NodeTermination, args.CacheFailover, args.AZImpairment = nil, nil, nil, nil
	doc := rolePolicy(t, planChaos(t, args))
	assert.Equal(t, []string{
		"logs:CreateLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
		"rds:DescribeDBInstances", "rds:RebootDBInstance", "tag:GetResources",
	}, doc.actions(), "a database-only configuration can reboot the database and nothing else")
}

func TestPodIdentity(t *testing.T) {
	p := planChaos(t, fullArgs())
	entry := plantest.Named(t, p, "aws:eks/accessEntry:AccessEntry", "chaos-fis")
	assert.Equal(t, cluster, entry.Inputs["clusterName"])
	assert.Equal(t, roleArn, entry.Inputs["principalArn"], "the experiment role is mapped into the cluster")
	assert.Equal(t, FISUser, entry.Inputs["userName"], "as the user the RoleBinding names")
	assert.Equal(t, "STANDARD", entry.Inputs["type"])
	assert.Nil(t, entry.Inputs["kubernetesGroups"], "no group: nothing but the namespace's RoleBinding applies")

	sa := plantest.Named(t, p, "kubernetes:core/v1:ServiceAccount", "chaos-fis")
	assert.Equal(t, ServiceAccount, plantest.Input(sa, "metadata", "name"))
	assert.Equal(t, "mita", plantest.Input(sa, "metadata", "namespace"))
	assert.Equal(t, true, sa.Inputs["automountServiceAccountToken"], "FIS's pod calls the API server with it")

	role := plantest.Named(t, p, "kubernetes:rbac.authorization.k8s.io/v1:Role", "chaos-fis")
	assert.Equal(t, "mita", plantest.Input(role, "metadata", "namespace"), "a namespaced Role, not a ClusterRole")
	assert.Equal(t, []any{
		map[string]any{"apiGroups": []any{""}, "resources": []any{"configmaps"}, "verbs": []any{"get", "create", "patch", "delete"}},
		map[string]any{"apiGroups": []any{""}, "resources": []any{"pods"}, "verbs": []any{"create", "list", "get", "delete", "deletecollection"}},
		map[string]any{"apiGroups": []any{""}, "resources": []any{"pods/ephemeralcontainers"}, "verbs": []any{"update"}},
		map[string]any{"apiGroups": []any{""}, "resources": []any{"pods/exec"}, "verbs": []any{"create"}},
		map[string]any{"apiGroups": []any{"apps"}, "resources": []any{"deployments"}, "verbs": []any{"get"}},
	}, role.Inputs["rules"], "what the FIS documentation lists for the pod actions")

	binding := plantest.Named(t, p, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "chaos-fis")
	assert.Equal(t, "mita", plantest.Input(binding, "metadata", "namespace"))
	assert.Equal(t, map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": FISUser}, binding.Inputs["roleRef"])
	assert.Equal(t, []any{
		map[string]any{"kind": "ServiceAccount", "name": ServiceAccount, "namespace": "mita"},
		map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": FISUser},
	}, binding.Inputs["subjects"])
}

// placeholder stands for the AWS provider where the run fails before any
// resource is registered.
var placeholder = pulumi.Protect(false)

func TestValidation(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(*ExperimentsArgs)
		want   []string
	}{
		{"missing stop alarm", func(a *ExperimentsArgs) { a.PodDeletion.StopAlarmArns = nil },
			[]string{"podDeletion.stopAlarmArns: an experiment needs a CloudWatch alarm as stop condition"}},
		{"a stop condition that is not an alarm", func(a *ExperimentsArgs) { a.DatabaseFailover.StopAlarmArns = alarms("none") },
			[]string{`databaseFailover.stopAlarmArns[0]: must be a CloudWatch alarm ARN`, `got "none"`}},
		{"bad percent", func(a *ExperimentsArgs) {
			a.NodeTermination.Percent = 150
			a.PodDeletion.Percent = -5
			a.PodDeletion.Count = 0
		},
			[]string{"nodeTermination.percent: must be from 1 to 100, got 150", "podDeletion.percent: must be from 1 to 100, got -5"}},
		{"count and percent", func(a *ExperimentsArgs) { a.PodDeletion.Percent = 10 },
			[]string{"podDeletion.count, podDeletion.percent: give one of them, not both"}},
		{"retention under 365", func(a *ExperimentsArgs) { a.LogRetentionDays = 90 },
			[]string{"logRetentionDays: must be at least 365 (the experiment log is audit evidence), got 90"}},
		{"no experiment", func(a *ExperimentsArgs) {
			a.PodDeletion, a.NodeTermination, a.DatabaseFailover, a.CacheFailover, a.AZImpairment = nil, nil, nil, nil, nil
		}, []string{"experiments: enable at least one of podDeletion, nodeTermination, databaseFailover, cacheFailover, azImpairment"}},
		{"bad durations", func(a *ExperimentsArgs) { a.CacheFailover.Duration = "10m"; a.AZImpairment.Duration = "PT13H" },
			[]string{`cacheFailover.duration: must be an ISO 8601 duration from PT1M to PT12H such as PT10M, got "10m"`, `azImpairment.duration: must be an ISO 8601 duration from PT1M to PT12H such as PT10M, got "PT13H"`}},
		{"pods unnamed", func(a *ExperimentsArgs) { a.PodDeletion.Namespace = ""; a.PodDeletion.Selector = "" },
			[]string{"podDeletion.namespace: name the namespace", "podDeletion.selector: give a label selector"}},
		{"AZ missing", func(a *ExperimentsArgs) { a.AZImpairment.AZ = ""; a.CacheFailover.AZ = "" },
			[]string{"azImpairment.az: name the Availability Zone to impair", "cacheFailover.az: name the AZ whose Redis nodes lose power"}},
		{"AZ of another region", func(a *ExperimentsArgs) { a.AZImpairment.AZ = "us-west-2a" },
			[]string{`azImpairment.az: must be a zone name in us-east-1 (such as us-east-1a), got "us-west-2a"`}},
		{"targets missing", func(a *ExperimentsArgs) {
			a.DatabaseFailover.InstanceArn, a.CacheFailover.ReplicationGroupArn, a.NodeTermination.NodeGroupArns = nil, nil, nil
			a.AZImpairment.VpcID, a.AZImpairment.NodeVolumeKmsKeyArn = nil, nil
		}, []string{"databaseFailover.instanceArn: is required", "cacheFailover.replicationGroupArn: is required", "nodeTermination.nodeGroupArns:",
			"azImpairment.vpcId: is required", "azImpairment.nodeVolumeKmsKeyArn: is required"}},
		{"empty subnet tags", func(a *ExperimentsArgs) { a.AZImpairment.SubnetTags = map[string]string{} },
			[]string{"azImpairment.subnetTags: an empty set would select every subnet of the AZ"}},
		{"keys and cluster", func(a *ExperimentsArgs) {
			a.LogsKmsKeyArn, a.PermissionBoundaryArn, a.ClusterName = nil, nil, nil
			a.Namer.AccountID = ""
		}, []string{"logsKmsKeyArn: is required", "permissionBoundaryArn: is required", "clusterName: is required by podDeletion, nodeTermination and azImpairment", "namer: account id and region are required"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := fullArgs()
			tt.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewExperiments(ctx, "chaos", args, placeholder, nil)
				return err
			}, tt.want...)
		})
	}
}

func TestProvidersRequired(t *testing.T) {
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		_, err := NewExperiments(ctx, "chaos", fullArgs(), placeholder, nil)
		return err
	}, "the cluster's Kubernetes provider for podDeletion")
}

func TestClusterNameOnlyWhereNeeded(t *testing.T) {
	args := fullArgs()
	args.PodDeletion, args.NodeTermination, args.AZImpairment, args.ClusterName = nil, nil, nil, nil
	assert.NoError(t, args.Validate(), "the data-tier experiments do not act on the cluster")
}

func TestValidDuration(t *testing.T) {
	for d, ok := range map[string]bool{
		"PT1M": true, "PT10M": true, "PT1H30M": true, "PT12H": true, "PT90S": true,
		"PT59S": false, "PT12H1S": false, "PT": false, "P1D": false, "10m": false, "": false, "pt10m": false,
	} {
		assert.Equal(t, ok, ValidDuration(d), d)
	}
}
