package network

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

var azs = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

const logsKey = "arn:aws:kms:us-east-1:111122223333:key/logs"

func planVpc(t *testing.T, mutate func(*VpcArgs)) *plan.Plan {
	t.Helper()
	args := &VpcArgs{
		Namer:             plantest.Namer("us-east-1"),
		CidrBlock:         "10.10.0.0/16",
		AvailabilityZones: azs,
		FlowLogKmsKeyArn:  pulumi.String(logsKey),
	}
	if mutate != nil {
		mutate(args)
	}
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewVpc(ctx, "net", args, prov)
		return err
	})
}

func TestVpcChildren(t *testing.T) {
	p := planVpc(t, nil)
	comp, ok := p.Named("platform:network:Vpc", "net")
	require.True(t, ok)

	want := map[string]int{
		"aws:ec2/vpc:Vpc":                                     1,
		"aws:ec2/subnet:Subnet":                               9,
		"aws:ec2/internetGateway:InternetGateway":             1,
		"aws:ec2/eip:Eip":                                     3,
		"aws:ec2/natGateway:NatGateway":                       3,
		"aws:ec2/routeTable:RouteTable":                       5, // public, 3 private, data
		"aws:ec2/route:Route":                                 4, // internet + 3 NAT
		"aws:ec2/routeTableAssociation:RouteTableAssociation": 9,
		"aws:cloudwatch/logGroup:LogGroup":                    1,
		"aws:iam/role:Role":                                   1,
		"aws:iam/rolePolicy:RolePolicy":                       1,
		"aws:ec2/flowLog:FlowLog":                             1,
		"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":   1,
		"aws:ec2/networkAcl:NetworkAcl":                       3,
		"aws:ec2/securityGroup:SecurityGroup":                 1,
		"aws:ec2/vpcEndpoint:VpcEndpoint":                     8,
		"aws:rds/subnetGroup:SubnetGroup":                     1,
		"aws:elasticache/subnetGroup:SubnetGroup":             1,
	}
	got := map[string]int{}
	for _, c := range p.Children(comp.URN) {
		got[c.Type]++
		assert.NotEmpty(t, c.Provider, "%s inherits the explicit provider", c.Name)
	}
	assert.Equal(t, want, got)
}

func TestSubnetsSpreadAcrossAZs(t *testing.T) {
	p := planVpc(t, nil)
	for _, tier := range Tiers {
		seen := map[string]bool{}
		for _, az := range azs {
			s, ok := p.Named("aws:ec2/subnet:Subnet", fmt.Sprintf("net-%s-%s", tier, az))
			require.True(t, ok, "%s subnet in %s", tier, az)
			assert.Equal(t, az, s.Inputs["availabilityZone"])
			assert.Equal(t, false, s.Inputs["mapPublicIpOnLaunch"], "no public IPs on launch")
			seen[s.Inputs["cidrBlock"].(string)] = true
		}
		assert.Len(t, seen, 3, "distinct blocks per AZ")
	}
	pub, _ := p.Named("aws:ec2/subnet:Subnet", "net-public-us-east-1a")
	assert.Equal(t, "1", plantest.Input(pub, "tags", "kubernetes.io/role/elb"))
	priv, _ := p.Named("aws:ec2/subnet:Subnet", "net-private-us-east-1a")
	assert.Equal(t, "1", plantest.Input(priv, "tags", "kubernetes.io/role/internal-elb"))
	assert.Equal(t, "10.10.0.0/19", priv.Inputs["cidrBlock"])
}

func TestRouting(t *testing.T) {
	p := planVpc(t, nil)
	internet, ok := p.Named("aws:ec2/route:Route", "net-public-internet")
	require.True(t, ok)
	assert.Equal(t, "0.0.0.0/0", internet.Inputs["destinationCidrBlock"])
	assert.Equal(t, "net-id", internet.Inputs["gatewayId"])

	for _, az := range azs {
		r, ok := p.Named("aws:ec2/route:Route", "net-private-"+az+"-nat")
		require.True(t, ok)
		assert.Equal(t, "net-private-"+az+"-id", r.Inputs["routeTableId"], "one route table per private subnet")
		assert.Equal(t, "net-"+az+"-id", r.Inputs["natGatewayId"], "NAT gateway of the same AZ")
		nat, ok := p.Named("aws:ec2/natGateway:NatGateway", "net-"+az)
		require.True(t, ok)
		assert.Equal(t, "net-public-"+az+"-id", nat.Inputs["subnetId"], "NAT in the public subnet of its AZ")
	}
	// The data tier's table has no route at all: nothing leaves the VPC.
	for _, r := range p.OfType("aws:ec2/route:Route") {
		assert.NotEqual(t, "net-data-id", r.Inputs["routeTableId"])
	}
	for _, az := range azs {
		a, ok := p.Named("aws:ec2/routeTableAssociation:RouteTableAssociation", "net-data-"+az)
		require.True(t, ok)
		assert.Equal(t, "net-data-id", a.Inputs["routeTableId"])
	}
}

func TestSingleNat(t *testing.T) {
	p := planVpc(t, func(a *VpcArgs) { a.NatMode = NatSingle })
	assert.Len(t, p.OfType("aws:ec2/natGateway:NatGateway"), 1)
	assert.Len(t, p.OfType("aws:ec2/eip:Eip"), 1)
	for _, az := range azs {
		r, _ := p.Named("aws:ec2/route:Route", "net-private-"+az+"-nat")
		assert.Equal(t, "net-us-east-1a-id", r.Inputs["natGatewayId"])
	}
}

func TestFlowLogs(t *testing.T) {
	p := planVpc(t, func(a *VpcArgs) { a.FlowLogRetentionDays = 731 })
	fl, ok := p.Named("aws:ec2/flowLog:FlowLog", "net")
	require.True(t, ok)
	assert.Equal(t, "ALL", fl.Inputs["trafficType"])
	assert.Equal(t, "cloud-watch-logs", fl.Inputs["logDestinationType"])
	assert.Equal(t, "net-id", fl.Inputs["vpcId"])

	group, ok := p.Named("aws:cloudwatch/logGroup:LogGroup", "net-flow-logs")
	require.True(t, ok)
	assert.Equal(t, logsKey, group.Inputs["kmsKeyId"], "encrypted with the logs key")
	assert.Equal(t, 731.0, group.Inputs["retentionInDays"])
}

func TestFlowLogRoleTrust(t *testing.T) {
	p := planVpc(t, nil)
	role, ok := p.Named("aws:iam/role:Role", "net-flow-logs")
	require.True(t, ok)
	var trust struct {
		Statement []struct {
			Principal map[string]string
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(role.Inputs["assumeRolePolicy"].(string)), &trust))
	require.Len(t, trust.Statement, 1)
	assert.Equal(t, "vpc-flow-logs.amazonaws.com", trust.Statement[0].Principal["Service"])
	assert.Equal(t, "111122223333", trust.Statement[0].Condition["StringEquals"]["aws:SourceAccount"], "confused-deputy guard")
}

func TestDefaultSecurityGroupIsEmpty(t *testing.T) {
	p := planVpc(t, nil)
	sg, ok := p.Named("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "net-default")
	require.True(t, ok)
	assert.Equal(t, []any{}, sg.Inputs["ingress"])
	assert.Equal(t, []any{}, sg.Inputs["egress"])
}

type naclRule struct {
	RuleNo    float64 `json:"ruleNo"`
	Action    string  `json:"action"`
	Protocol  string  `json:"protocol"`
	CidrBlock string  `json:"cidrBlock"`
	FromPort  float64 `json:"fromPort"`
	ToPort    float64 `json:"toPort"`
}

func rules(t *testing.T, r plan.Resource, key string) []naclRule {
	t.Helper()
	b, err := json.Marshal(r.Inputs[key])
	require.NoError(t, err)
	var out []naclRule
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func TestDataTierNacl(t *testing.T) {
	p := planVpc(t, nil)
	acl, ok := p.Named("aws:ec2/networkAcl:NetworkAcl", "net-data")
	require.True(t, ok)
	private := map[string]bool{"10.10.0.0/19": true, "10.10.32.0/19": true, "10.10.64.0/19": true}
	data := map[string]bool{"10.10.208.0/23": true, "10.10.210.0/23": true, "10.10.212.0/23": true}
	in := rules(t, acl, "ingress")
	require.Len(t, in, 12, "two ports from three private and three data blocks")
	for _, r := range in {
		assert.Equal(t, "allow", r.Action)
		assert.Equal(t, "6", r.Protocol)
		assert.True(t, private[r.CidrBlock] || data[r.CidrBlock], "source %s is inside the private or data tier", r.CidrBlock)
		assert.Equal(t, r.FromPort, r.ToPort, "single ports only")
		assert.Contains(t, []float64{5432, 6379}, r.FromPort)
	}
	for _, r := range rules(t, acl, "egress") {
		assert.NotEqual(t, "0.0.0.0/0", r.CidrBlock, "the data tier answers only inside the VPC")
	}
	assert.Equal(t, []any{"net-data-us-east-1a-id", "net-data-us-east-1b-id", "net-data-us-east-1c-id"}, acl.Inputs["subnetIds"])
}

func TestNaclsDenyAdminPortsFirst(t *testing.T) {
	p := planVpc(t, nil)
	for _, name := range []string{"net-public", "net-private"} {
		acl, ok := p.Named("aws:ec2/networkAcl:NetworkAcl", name)
		require.True(t, ok)
		in := rules(t, acl, "ingress")
		for _, port := range []float64{22, 3389} {
			var denyAt, allowAt float64 = -1, -1
			for _, r := range in {
				if r.CidrBlock != "0.0.0.0/0" || (r.Protocol != "6" && r.Protocol != "-1") {
					continue
				}
				covers := r.Protocol == "-1" || (r.FromPort <= port && port <= r.ToPort)
				if !covers {
					continue
				}
				if r.Action == "deny" && denyAt < 0 {
					denyAt = r.RuleNo
				}
				if r.Action == "allow" && allowAt < 0 {
					allowAt = r.RuleNo
				}
			}
			require.GreaterOrEqual(t, denyAt, 0.0, "%s denies %v from the world", name, port)
			if allowAt >= 0 {
				assert.Less(t, denyAt, allowAt, "%s: the deny of %v is evaluated before any allow", name, port)
			}
		}
	}
}

func TestEndpoints(t *testing.T) {
	p := planVpc(t, nil)
	for _, svc := range GatewayEndpoints {
		e, ok := p.Named("aws:ec2/vpcEndpoint:VpcEndpoint", "net-"+svc)
		require.True(t, ok, svc)
		assert.Equal(t, "Gateway", e.Inputs["vpcEndpointType"])
		assert.Equal(t, "com.amazonaws.us-east-1."+svc, e.Inputs["serviceName"])
		assert.Len(t, e.Inputs["routeTableIds"], 3, "on every private route table")
	}
	for _, svc := range DefaultInterfaceEndpoints {
		e, ok := p.Named("aws:ec2/vpcEndpoint:VpcEndpoint", "net-"+svc)
		require.True(t, ok, svc)
		assert.Equal(t, "Interface", e.Inputs["vpcEndpointType"])
		assert.Equal(t, true, e.Inputs["privateDnsEnabled"])
		assert.Equal(t, []any{"net-private-us-east-1a-id", "net-private-us-east-1b-id", "net-private-us-east-1c-id"}, e.Inputs["subnetIds"])
		assert.Equal(t, []any{"net-endpoints-id"}, e.Inputs["securityGroupIds"])
	}
	sg, ok := p.Named("aws:ec2/securityGroup:SecurityGroup", "net-endpoints")
	require.True(t, ok)
	ingress := sg.Inputs["ingress"].([]any)
	require.Len(t, ingress, 1)
	rule := ingress[0].(map[string]any)
	assert.Equal(t, 443.0, rule["fromPort"])
	assert.Equal(t, 443.0, rule["toPort"])
	assert.Equal(t, []any{"10.10.0.0/16"}, rule["cidrBlocks"], "HTTPS from the VPC only")
	assert.NotEmpty(t, rule["description"])
	assert.NotEmpty(t, sg.Inputs["description"])
}

func TestSubnetGroupsUseDataTier(t *testing.T) {
	p := planVpc(t, nil)
	want := []any{"net-data-us-east-1a-id", "net-data-us-east-1b-id", "net-data-us-east-1c-id"}
	db, ok := p.Named("aws:rds/subnetGroup:SubnetGroup", "net-db")
	require.True(t, ok)
	assert.Equal(t, want, db.Inputs["subnetIds"])
	assert.Equal(t, "platform-prod-use1-data", db.Inputs["name"])
	cache, ok := p.Named("aws:elasticache/subnetGroup:SubnetGroup", "net-cache")
	require.True(t, ok)
	assert.Equal(t, want, cache.Inputs["subnetIds"])
}

func TestVpcValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*VpcArgs)
		want   string
	}{
		{"two azs", func(a *VpcArgs) { a.AvailabilityZones = azs[:2] }, "availabilityZones: need at least 3 availability zones, got 2"},
		{"bad cidr", func(a *VpcArgs) { a.CidrBlock = "10.10.0.0" }, `cidrBlock: must be a CIDR block, got "10.10.0.0"`},
		{"cidr too small", func(a *VpcArgs) { a.CidrBlock = "10.10.0.0/24" }, "cidrBlock: vpc block 10.10.0.0/24 must be an IPv4 /16 to /20"},
		{"unknown nat mode", func(a *VpcArgs) { a.NatMode = "none" }, `natMode: must be "perAz" or "single", got "none"`},
		{"no logs key", func(a *VpcArgs) { a.FlowLogKmsKeyArn = nil }, "flowLogKmsKeyArn: is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := &VpcArgs{Namer: plantest.Namer("us-east-1"), CidrBlock: "10.10.0.0/16", AvailabilityZones: azs, FlowLogKmsKeyArn: pulumi.String(logsKey)}
			tt.mutate(args)
			p, err := plantest.RunErr(func(ctx *pulumi.Context) error {
				_, err := NewVpc(ctx, "net", args)
				return err
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "network net: ")
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, p.Resources, "bad args register nothing")
		})
	}
}
