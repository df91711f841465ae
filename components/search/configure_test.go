package search

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

const configuratorName = "search-config"

// planConfigured plans the configurator's role, the domain with it as
// master user and admins next to it, and the configurator.
func planConfigured(t *testing.T, mutate func(*SecurityConfigArgs)) *plan.Plan {
	t.Helper()
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		n := plantest.Namer("us-east-1")
		role, err := NewConfiguratorRole(ctx, configuratorName, &ConfiguratorRoleArgs{Namer: n, PermissionBoundaryArn: pulumi.String("boundary")}, prov)
		if err != nil {
			return err
		}
		args := baseArgs()
		args.MasterRoleArn = role.Arn
		args.AdminRoleArns = []pulumi.StringInput{pulumi.String(adminRole)}
		d, err := NewDomain(ctx, "search", args, prov)
		if err != nil {
			return err
		}
		c := &SecurityConfigArgs{
			Namer: n, Role: role, Domain: d, IndexPatterns: DefaultIndexPatterns,
			AdminRoleArns: []pulumi.StringInput{pulumi.String(adminRole)}, WriterRoleArns: []pulumi.StringInput{pulumi.String(fluentBit)},
			ReaderRoleArns: []pulumi.StringInput{pulumi.String(auditor)},
			SubnetIDs:      pulumi.ToStringArray([]string{"subnet-a", "subnet-b", "subnet-c"}), VpcID: pulumi.String("vpc-1"), VpcCidr: vpcCidr,
			LogsKmsKeyArn: pulumi.String(logsKey), LogRetentionDays: 365, DependsOn: []pulumi.Resource{d.Policy},
		}
		if mutate != nil {
			mutate(c)
		}
		return NewSecurityConfig(ctx, configuratorName, c, prov)
	})
}

func TestConfiguratorIsTheMasterUser(t *testing.T) {
	p := planConfigured(t, nil)
	role, ok := p.Named("aws:iam/role:Role", configuratorName)
	require.True(t, ok)
	arn := "arn:aws:iam::111122223333:role/" + role.Inputs["name"].(string)
	assert.Contains(t, role.Inputs["assumeRolePolicy"], "lambda.amazonaws.com")
	d := domainOf(t, p)
	assert.Equal(t, arn, plantest.Input(d, "advancedSecurityOptions", "masterUserOptions", "masterUserArn"))
	assert.Contains(t, d.PropertyDependencies["advancedSecurityOptions"], role.URN, "the configurator's role is the master user")
	pol, _ := p.Named("aws:opensearch/domainPolicy:DomainPolicy", "search")
	var doc struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(pol.Inputs["accessPolicies"].(string)), &doc))
	assert.Equal(t, "PlatformAdmin", doc.Statement[0]["Sid"])
	assert.Len(t, doc.Statement[0]["Principal"].(map[string]any)["AWS"], 2, "the master user and the admins")
}

func TestConfiguratorFunction(t *testing.T) {
	p := planConfigured(t, nil)
	fn, ok := p.Named("aws:lambda/function:Function", configuratorName)
	require.True(t, ok)
	assert.Equal(t, "configure.handler", fn.Inputs["handler"])
	assert.Equal(t, []any{"subnet-a", "subnet-b", "subnet-c"}, plantest.Input(fn, "vpcConfig", "subnetIds"), "it reaches the domain from inside the VPC")
	assert.Equal(t, 1.0, fn.Inputs["reservedConcurrentExecutions"])
	sg, _ := p.Named("aws:ec2/securityGroup:SecurityGroup", configuratorName)
	assert.Equal(t, []any{vpcCidr}, plantest.Input(sg, "egress", 0, "cidrBlocks"), "HTTPS to the VPC only")
	assert.Empty(t, sg.Inputs["ingress"])
	logs, _ := p.Named("aws:cloudwatch/logGroup:LogGroup", configuratorName)
	assert.Equal(t, logsKey, logs.Inputs["kmsKeyId"])
	assert.Equal(t, 365.0, logs.Inputs["retentionInDays"])

	rp, _ := p.Named("aws:iam/rolePolicy:RolePolicy", configuratorName)
	var doc struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(rp.Inputs["policy"].(string)), &doc))
	for _, s := range doc.Statement {
		if s["Sid"] == "Domain" {
			assert.Equal(t, []any{"es:ESHttpGet", "es:ESHttpPut"}, s["Action"])
			assert.True(t, strings.HasPrefix(s["Resource"].(string), "arn:aws:es:us-east-1:111122223333:domain/"), "its domain only")
		}
	}

	inv, ok := p.Named("aws:lambda/invocation:Invocation", configuratorName)
	require.True(t, ok)
	var event map[string]any
	require.NoError(t, json.Unmarshal([]byte(inv.Inputs["input"].(string)), &event))
	assert.Equal(t, []any{fluentBit}, event["writerRoleArns"])
	assert.Equal(t, []any{auditor}, event["readerRoleArns"])
	assert.Equal(t, []any{adminRole}, event["adminRoleArns"])
	assert.Equal(t, []any{"eks-audit-*", "security-*"}, event["indexPatterns"])
	assert.Equal(t, "hot", plantest.Input(plan.Resource{Inputs: event}, "ismPolicy", "policy", "default_state"), "the index policy travels with it")
	triggers := inv.Inputs["triggers"].(map[string]any)
	assert.Len(t, triggers["configuration"], 64, "a new configuration reapplies it")
	assert.Len(t, triggers["code"], 64, "so does a new configurator")
	pol, _ := p.Named("aws:opensearch/domainPolicy:DomainPolicy", "search")
	assert.Contains(t, inv.DependsOn, pol.URN, "after the domain admits it")
}

func TestSecurityConfigValidation(t *testing.T) {
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		return NewSecurityConfig(ctx, "c", &SecurityConfigArgs{LogRetentionDays: 30})
	}, "namer: account id and region are required", "role, domain: the configurator's role and the domain are required",
		"indexPatterns: name the indices", "adminRoleArns, writerRoleArns: at least one of each",
		"subnetIds, vpcId, vpcCidr: the function runs in the domain's VPC", "logsKmsKeyArn, logRetentionDays")
}

// TestConfigurator runs the function's own unit tests (python3).
func TestConfigurator(t *testing.T) {
	plantest.PythonTests(t, "configure_test")
}
