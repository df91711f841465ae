package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// Vpc is the platform network of one region.
type Vpc struct {
	pulumi.ResourceState

	VpcID                 pulumi.StringOutput
	PublicSubnetIDs       pulumi.StringArrayOutput
	PrivateSubnetIDs      pulumi.StringArrayOutput
	DataSubnetIDs         pulumi.StringArrayOutput
	PublicRouteTableID    pulumi.StringOutput
	PrivateRouteTableIDs  pulumi.StringArrayOutput
	DataRouteTableID      pulumi.StringOutput
	DBSubnetGroupName     pulumi.StringOutput
	CacheSubnetGroupName  pulumi.StringOutput
	EndpointSecurityGroup pulumi.StringOutput
	FlowLogGroupName      pulumi.StringOutput

	// Subnets is the CIDR plan the subnets were created from.
	Subnets []SubnetPlan
}

// NewVpc creates the network. Every child is parented to the component and
// inherits its provider.
func NewVpc(ctx *pulumi.Context, name string, args *VpcArgs, opts ...pulumi.ResourceOption) (*Vpc, error) {
	if args == nil {
		args = &VpcArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	plan, _ := PlanSubnets(a.CidrBlock, a.AvailabilityZones) // validated above
	v := &Vpc{Subnets: plan}
	azs := pulumi.StringArray{}
	for _, az := range a.AvailabilityZones {
		azs = append(azs, pulumi.String(az))
	}
	inputs := pulumi.Map{
		"cidrBlock":            pulumi.String(a.CidrBlock),
		"availabilityZones":    azs,
		"natMode":              pulumi.String(string(a.NatMode)),
		"flowLogRetentionDays": pulumi.Int(a.FlowLogRetentionDays),
	}
	if err := ctx.RegisterComponentResourceV2("platform:network:Vpc", name, inputs, v, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, args: a, vpc: v, parent: pulumi.Parent(v)}
	if err := b.build(); err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(v, pulumi.Map{
		"vpcId":                v.VpcID,
		"publicSubnetIds":      v.PublicSubnetIDs,
		"privateSubnetIds":     v.PrivateSubnetIDs,
		"dataSubnetIds":        v.DataSubnetIDs,
		"privateRouteTableIds": v.PrivateRouteTableIDs,
		"dbSubnetGroupName":    v.DBSubnetGroupName,
		"cacheSubnetGroupName": v.CacheSubnetGroupName,
	}); err != nil {
		return nil, err
	}
	return v, nil
}

// builder carries the state of one NewVpc call through its steps.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   VpcArgs
	vpc    *Vpc
	parent pulumi.ResourceOption

	ec2Vpc  *ec2.Vpc
	subnets map[Tier][]*ec2.Subnet
	cidrs   map[Tier][]string
}

func (b *builder) tags(name string, extra map[string]string) pulumi.StringMap {
	return pulumi.ToStringMap(naming.MergeTags(map[string]string{naming.TagName: name}, extra))
}

func (b *builder) physical(parts ...string) string {
	return b.args.Namer.Name(naming.Generic, parts...)
}

func (b *builder) build() error {
	steps := []func() error{
		b.createVpc, b.createSubnets, b.createRouting, b.createFlowLogs,
		b.lockDefaultSecurityGroup, b.createNacls, b.createEndpoints, b.createSubnetGroups,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) createVpc() error {
	vpc, err := ec2.NewVpc(b.ctx, b.name, &ec2.VpcArgs{
		CidrBlock:          pulumi.String(b.args.CidrBlock),
		EnableDnsSupport:   pulumi.Bool(true), // endpoints' private DNS needs both
		EnableDnsHostnames: pulumi.Bool(true),
		InstanceTenancy:    pulumi.String("default"),
		Tags:               b.tags(b.physical("vpc"), nil),
	}, b.parent)
	if err != nil {
		return err
	}
	b.ec2Vpc = vpc
	b.vpc.VpcID = vpc.ID().ToStringOutput()
	return nil
}

// subnetTags are the AWS Load Balancer Controller's discovery tags: public
// subnets take internet-facing load balancers, private ones internal ones.
var subnetTags = map[Tier]map[string]string{
	Public:  {"kubernetes.io/role/elb": "1", "tier": string(Public)},
	Private: {"kubernetes.io/role/internal-elb": "1", "tier": string(Private)},
	Data:    {"tier": string(Data)},
}

func (b *builder) createSubnets() error {
	b.subnets = map[Tier][]*ec2.Subnet{}
	b.cidrs = map[Tier][]string{}
	for _, s := range b.vpc.Subnets {
		subnet, err := ec2.NewSubnet(b.ctx, fmt.Sprintf("%s-%s-%s", b.name, s.Tier, s.AZ), &ec2.SubnetArgs{
			VpcId:            b.ec2Vpc.ID(),
			CidrBlock:        pulumi.String(s.CIDR.String()),
			AvailabilityZone: pulumi.String(s.AZ),
			// No subnet hands out public IPs: load balancers and NAT
			// gateways get theirs explicitly (control 6).
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                b.tags(b.physical(string(s.Tier), s.AZ), subnetTags[s.Tier]),
		}, b.parent)
		if err != nil {
			return err
		}
		b.subnets[s.Tier] = append(b.subnets[s.Tier], subnet)
		b.cidrs[s.Tier] = append(b.cidrs[s.Tier], s.CIDR.String())
	}
	b.vpc.PublicSubnetIDs = ids(b.subnets[Public])
	b.vpc.PrivateSubnetIDs = ids(b.subnets[Private])
	b.vpc.DataSubnetIDs = ids(b.subnets[Data])
	return nil
}

func ids(subnets []*ec2.Subnet) pulumi.StringArrayOutput {
	arr := pulumi.StringArray{}
	for _, s := range subnets {
		arr = append(arr, s.ID().ToStringOutput())
	}
	return arr.ToStringArrayOutput()
}

// createRouting: the public tier routes to the internet gateway; each
// private subnet has its own route table to the NAT gateway of its AZ (or
// the single one), so an AZ failure stays in that AZ; the data tier has a
// table with no route out of the VPC.
func (b *builder) createRouting() error {
	ctx, name := b.ctx, b.name
	igw, err := ec2.NewInternetGateway(ctx, name, &ec2.InternetGatewayArgs{
		VpcId: b.ec2Vpc.ID(),
		Tags:  b.tags(b.physical("igw"), nil),
	}, b.parent)
	if err != nil {
		return err
	}
	public, err := ec2.NewRouteTable(ctx, name+"-public", &ec2.RouteTableArgs{
		VpcId: b.ec2Vpc.ID(),
		Tags:  b.tags(b.physical("public"), nil),
	}, b.parent)
	if err != nil {
		return err
	}
	if _, err := ec2.NewRoute(ctx, name+"-public-internet", &ec2.RouteArgs{
		RouteTableId:         public.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		GatewayId:            igw.ID(),
	}, b.parent); err != nil {
		return err
	}
	azs := b.args.AvailabilityZones
	for i, subnet := range b.subnets[Public] {
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-public-%s", name, azs[i]), &ec2.RouteTableAssociationArgs{
			SubnetId:     subnet.ID(),
			RouteTableId: public.ID(),
		}, b.parent); err != nil {
			return err
		}
	}
	b.vpc.PublicRouteTableID = public.ID().ToStringOutput()

	natAZs := azs
	if b.args.NatMode == NatSingle {
		natAZs = azs[:1]
	}
	var nats []*ec2.NatGateway
	for i, az := range natAZs {
		eip, err := ec2.NewEip(ctx, fmt.Sprintf("%s-nat-%s", name, az), &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   b.tags(b.physical("nat", az), nil),
		}, b.parent)
		if err != nil {
			return err
		}
		nat, err := ec2.NewNatGateway(ctx, fmt.Sprintf("%s-%s", name, az), &ec2.NatGatewayArgs{
			AllocationId:     eip.ID(),
			SubnetId:         b.subnets[Public][i].ID(),
			ConnectivityType: pulumi.String("public"),
			Tags:             b.tags(b.physical("nat", az), nil),
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return err
		}
		nats = append(nats, nat)
	}

	privateTables := pulumi.StringArray{}
	for i, subnet := range b.subnets[Private] {
		az := azs[i]
		rt, err := ec2.NewRouteTable(ctx, fmt.Sprintf("%s-private-%s", name, az), &ec2.RouteTableArgs{
			VpcId: b.ec2Vpc.ID(),
			Tags:  b.tags(b.physical("private", az), nil),
		}, b.parent)
		if err != nil {
			return err
		}
		nat := nats[0]
		if b.args.NatMode == NatPerAZ {
			nat = nats[i]
		}
		if _, err := ec2.NewRoute(ctx, fmt.Sprintf("%s-private-%s-nat", name, az), &ec2.RouteArgs{
			RouteTableId:         rt.ID(),
			DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
			NatGatewayId:         nat.ID(),
		}, b.parent); err != nil {
			return err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-private-%s", name, az), &ec2.RouteTableAssociationArgs{
			SubnetId:     subnet.ID(),
			RouteTableId: rt.ID(),
		}, b.parent); err != nil {
			return err
		}
		privateTables = append(privateTables, rt.ID().ToStringOutput())
	}
	b.vpc.PrivateRouteTableIDs = privateTables.ToStringArrayOutput()

	data, err := ec2.NewRouteTable(ctx, name+"-data", &ec2.RouteTableArgs{
		VpcId: b.ec2Vpc.ID(),
		Tags:  b.tags(b.physical("data"), nil),
	}, b.parent)
	if err != nil {
		return err
	}
	for i, subnet := range b.subnets[Data] {
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-data-%s", name, azs[i]), &ec2.RouteTableAssociationArgs{
			SubnetId:     subnet.ID(),
			RouteTableId: data.ID(),
		}, b.parent); err != nil {
			return err
		}
	}
	b.vpc.DataRouteTableID = data.ID().ToStringOutput()
	return nil
}

// createFlowLogs records ALL traffic to a KMS-encrypted log group, through a
// role only the flow logs service of this account can assume.
func (b *builder) createFlowLogs() error {
	ctx, name, n := b.ctx, b.name, b.args.Namer
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(n.Name(naming.LogGroup, "vpc", "flow-logs")),
		RetentionInDays: pulumi.Int(b.args.FlowLogRetentionDays),
		KmsKeyId:        b.args.FlowLogKmsKeyArn,
	}, b.parent)
	if err != nil {
		return err
	}
	trust := policydoc.New(policydoc.Statement{
		Effect:    policydoc.Allow,
		Principal: policydoc.Service("vpc-flow-logs.amazonaws.com"),
		Action:    "sts:AssumeRole",
		Condition: policydoc.Conditions{
			"StringEquals": {"aws:SourceAccount": n.AccountID},
			"ArnLike":      {"aws:SourceArn": n.ARN("ec2", "vpc-flow-log/*")},
		},
	})
	role, err := iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		Name:             pulumi.String(n.Name(naming.IAMRole, "vpc-flow-logs")),
		Description:      pulumi.String("Delivers VPC flow logs to CloudWatch Logs"),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
	}, b.parent)
	if err != nil {
		return err
	}
	policy := policydoc.FromOutputs(func(v []string) policydoc.Document {
		return policydoc.New(policydoc.Statement{
			Sid:      "WriteFlowLogs",
			Effect:   policydoc.Allow,
			Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"},
			Resource: []string{v[0], v[0] + ":*"},
		})
	}, group.Arn)
	if _, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy,
	}, b.parent); err != nil {
		return err
	}
	if _, err := ec2.NewFlowLog(ctx, name, &ec2.FlowLogArgs{
		VpcId:                  b.ec2Vpc.ID(),
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   b.tags(b.physical("flow-logs"), nil),
	}, b.parent); err != nil {
		return err
	}
	b.vpc.FlowLogGroupName = group.Name
	return nil
}

// lockDefaultSecurityGroup adopts the default security group and removes
// every rule, so nothing that lands in it by accident can talk (CIS 5.4).
func (b *builder) lockDefaultSecurityGroup() error {
	_, err := ec2.NewDefaultSecurityGroup(b.ctx, b.name+"-default", &ec2.DefaultSecurityGroupArgs{
		VpcId:   b.ec2Vpc.ID(),
		Ingress: ec2.DefaultSecurityGroupIngressArray{},
		Egress:  ec2.DefaultSecurityGroupEgressArray{},
		Tags:    b.tags(b.physical("default-deny-all"), nil),
	}, b.parent)
	return err
}

// Protocol numbers and ports used by the NACLs.
const (
	anyProtocol = "-1"
	tcp         = "6"
	udp         = "17"
	ephemeralLo = 1024
	ephemeralHi = 65535
	world       = "0.0.0.0/0"
)

type aclRule struct {
	action, protocol, cidr string
	from, to               int
}

// createNacls: every tier denies SSH and RDP from anywhere before any
// allow (control 5). Public admits web traffic and return traffic; private
// admits the VPC and return traffic through NAT; data admits only the
// database and cache ports from the private tier (and from itself, for
// replication between its nodes).
func (b *builder) createNacls() error {
	denyAdmin := []aclRule{
		{"deny", tcp, world, 22, 22},
		{"deny", tcp, world, 3389, 3389},
	}
	returnTraffic := []aclRule{
		{"allow", tcp, world, ephemeralLo, ephemeralHi},
		{"allow", udp, world, ephemeralLo, ephemeralHi},
	}
	allowAllOut := []aclRule{{"allow", anyProtocol, world, 0, 0}}
	vpcCidr := b.args.CidrBlock

	publicIn := append(append([]aclRule{}, denyAdmin...),
		aclRule{"allow", tcp, world, 443, 443},
		aclRule{"allow", tcp, world, 80, 80}, // load balancers redirect to 443
		aclRule{"allow", anyProtocol, vpcCidr, 0, 0},
	)
	publicIn = append(publicIn, returnTraffic...)
	privateIn := append(append([]aclRule{}, denyAdmin...), aclRule{"allow", anyProtocol, vpcCidr, 0, 0})
	privateIn = append(privateIn, returnTraffic...)

	var dataIn, dataOut []aclRule
	for _, source := range append(append([]string{}, b.cidrs[Private]...), b.cidrs[Data]...) {
		for _, port := range []int{b.args.DatabasePort, b.args.CachePort} {
			dataIn = append(dataIn, aclRule{"allow", tcp, source, port, port})
		}
		dataOut = append(dataOut, aclRule{"allow", tcp, source, ephemeralLo, ephemeralHi})
	}
	for _, source := range b.cidrs[Data] {
		for _, port := range []int{b.args.DatabasePort, b.args.CachePort} {
			dataOut = append(dataOut, aclRule{"allow", tcp, source, port, port})
		}
	}

	for _, acl := range []struct {
		tier    Tier
		in, out []aclRule
	}{
		{Public, publicIn, allowAllOut},
		{Private, privateIn, allowAllOut},
		{Data, dataIn, dataOut},
	} {
		subnetIDs := pulumi.StringArray{}
		for _, s := range b.subnets[acl.tier] {
			subnetIDs = append(subnetIDs, s.ID().ToStringOutput())
		}
		if _, err := ec2.NewNetworkAcl(b.ctx, fmt.Sprintf("%s-%s", b.name, acl.tier), &ec2.NetworkAclArgs{
			VpcId:     b.ec2Vpc.ID(),
			SubnetIds: subnetIDs,
			Ingress:   ingressRules(acl.in),
			Egress:    egressRules(acl.out),
			Tags:      b.tags(b.physical(string(acl.tier)), nil),
		}, b.parent); err != nil {
			return err
		}
	}
	return nil
}

// ruleNumber spaces rules by ten from 100, leaving room to insert.
func ruleNumber(i int) int { return 100 + 10*i }

func ingressRules(rules []aclRule) ec2.NetworkAclIngressArray {
	out := ec2.NetworkAclIngressArray{}
	for i, r := range rules {
		out = append(out, ec2.NetworkAclIngressArgs{
			RuleNo: pulumi.Int(ruleNumber(i)), Action: pulumi.String(r.action), Protocol: pulumi.String(r.protocol),
			CidrBlock: pulumi.String(r.cidr), FromPort: pulumi.Int(r.from), ToPort: pulumi.Int(r.to),
		})
	}
	return out
}

func egressRules(rules []aclRule) ec2.NetworkAclEgressArray {
	out := ec2.NetworkAclEgressArray{}
	for i, r := range rules {
		out = append(out, ec2.NetworkAclEgressArgs{
			RuleNo: pulumi.Int(ruleNumber(i)), Action: pulumi.String(r.action), Protocol: pulumi.String(r.protocol),
			CidrBlock: pulumi.String(r.cidr), FromPort: pulumi.Int(r.from), ToPort: pulumi.Int(r.to),
		})
	}
	return out
}

// createEndpoints: gateway endpoints on the private route tables, and
// interface endpoints in the private subnets behind a security group that
// admits HTTPS from the VPC only.
func (b *builder) createEndpoints() error {
	ctx, name, region := b.ctx, b.name, b.args.Namer.Region
	for _, svc := range GatewayEndpoints {
		if _, err := ec2.NewVpcEndpoint(ctx, fmt.Sprintf("%s-%s", name, svc), &ec2.VpcEndpointArgs{
			VpcId:           b.ec2Vpc.ID(),
			ServiceName:     pulumi.Sprintf("com.amazonaws.%s.%s", region, svc),
			VpcEndpointType: pulumi.String("Gateway"),
			RouteTableIds:   b.vpc.PrivateRouteTableIDs,
			Tags:            b.tags(b.physical(svc), nil),
		}, b.parent); err != nil {
			return err
		}
	}
	if len(b.args.InterfaceEndpoints) == 0 {
		return nil
	}
	sg, err := ec2.NewSecurityGroup(ctx, name+"-endpoints", &ec2.SecurityGroupArgs{
		VpcId:       b.ec2Vpc.ID(),
		Name:        pulumi.String(b.physical("endpoints")),
		Description: pulumi.String("Interface VPC endpoints: HTTPS from inside the VPC only"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("HTTPS from the VPC"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(443),
			ToPort:      pulumi.Int(443),
			CidrBlocks:  pulumi.StringArray{pulumi.String(b.args.CidrBlock)},
		}},
		// No egress rule: endpoints answer, they never initiate.
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   b.tags(b.physical("endpoints"), nil),
	}, b.parent)
	if err != nil {
		return err
	}
	for _, svc := range b.args.InterfaceEndpoints {
		if _, err := ec2.NewVpcEndpoint(ctx, fmt.Sprintf("%s-%s", name, svc), &ec2.VpcEndpointArgs{
			VpcId:             b.ec2Vpc.ID(),
			ServiceName:       pulumi.Sprintf("com.amazonaws.%s.%s", region, svc),
			VpcEndpointType:   pulumi.String("Interface"),
			PrivateDnsEnabled: pulumi.Bool(true),
			SubnetIds:         b.vpc.PrivateSubnetIDs,
			SecurityGroupIds:  pulumi.StringArray{sg.ID().ToStringOutput()},
			Tags:              b.tags(b.physical(svc), nil),
		}, b.parent); err != nil {
			return err
		}
	}
	b.vpc.EndpointSecurityGroup = sg.ID().ToStringOutput()
	return nil
}

// createSubnetGroups gives RDS and ElastiCache the data subnets.
func (b *builder) createSubnetGroups() error {
	n := b.args.Namer
	db, err := rds.NewSubnetGroup(b.ctx, b.name+"-db", &rds.SubnetGroupArgs{
		Name:        pulumi.String(n.Name(naming.DBIdentifier, "data")),
		Description: pulumi.String("Data tier subnets for RDS"),
		SubnetIds:   b.vpc.DataSubnetIDs,
	}, b.parent)
	if err != nil {
		return err
	}
	cache, err := elasticache.NewSubnetGroup(b.ctx, b.name+"-cache", &elasticache.SubnetGroupArgs{
		Name:        pulumi.String(n.Name(naming.CacheIdentifier, "data")),
		Description: pulumi.String("Data tier subnets for ElastiCache"),
		SubnetIds:   b.vpc.DataSubnetIDs,
	}, b.parent)
	if err != nil {
		return err
	}
	b.vpc.DBSubnetGroupName = db.Name
	b.vpc.CacheSubnetGroupName = cache.Name
	return nil
}
