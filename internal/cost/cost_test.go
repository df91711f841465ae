package cost

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
)

// fixturePrices are the rows the rule tests price with: the figures are
// the embedded table's us-east-1 list prices at the time of writing, and
// every expected cost below is computed by hand from them.
const fixturePrices = `service,region,resource,unit,usd_per_unit,notes,source_url,as_of
EKS,us-east-1,control plane (standard support),hour,0.1,,https://example.test/eks,2026-06-13
EC2,us-east-1,m7g.large,hour,0.0816,,https://example.test/ec2,2026-06
EC2,us-east-1,m7g.xlarge,hour,0.1632,,https://example.test/ec2,2026-06
EBS,us-east-1,gp3 storage,GB-month,0.08,,https://example.test/ebs,2026
RDS,us-east-1,"db.r6g.xlarge (PostgreSQL, Single-AZ)",hour,0.45,,https://example.test/rds,2026-01
RDS,us-east-1,gp3 storage (Multi-AZ),GB-month,0.23,,https://example.test/rds,2026-01
RDS,us-east-1,"db.r6g.large (PostgreSQL, Single-AZ)",hour,0.225,,https://example.test/rds,2026-01
RDS,us-east-1,"db.r6g.large (PostgreSQL, Multi-AZ)",hour,0.449,,https://example.test/rds,2026-01
RDS,us-east-1,gp3 storage (Single-AZ),GB-month,0.115,,https://example.test/rds,2026-01
ElastiCache,us-east-1,cache.r6g.large (Redis OSS),hour,0.206,,https://example.test/ec,2026
VPC,us-east-1,NAT gateway,hour,0.045,,https://example.test/vpc,2026
VPC,us-east-1,NAT gateway data processed,GB-processed,0.045,,https://example.test/vpc,2026
VPC,us-east-1,interface endpoint (PrivateLink),AZ-hour,0.01,,https://example.test/vpc,2026
VPC,us-east-1,interface endpoint data processed,GB-processed,0.01,,https://example.test/vpc,2026
WAFv2,us-east-1,web ACL,acl-month,5,,https://example.test/waf,2026
WAFv2,us-east-1,rule,rule-month,1,,https://example.test/waf,2026
WAFv2,us-east-1,requests inspected,request-million,0.6,,https://example.test/waf,2026
Secrets Manager,us-east-1,secret,secret-month,0.4,,https://example.test/sm,2026
Secrets Manager,us-east-1,API calls,request-10k,0.05,,https://example.test/sm,2026
CloudWatch,us-east-1,Logs ingestion (Standard class),GB,0.5,,https://example.test/cw,2026
CloudWatch,us-east-1,Logs storage,GB-month,0.03,,https://example.test/cw,2026
CloudWatch,us-east-1,alarm (standard resolution),alarm-month,0.1,,https://example.test/cw,2026
CloudWatch,us-east-1,Synthetics canary run,canary-run,0.0012,,https://example.test/cw,2026
ELB,us-east-1,Application Load Balancer,hour,0.0225,,https://example.test/elb,2026
ELB,us-east-1,Application Load Balancer LCU,LCU-hour,0.008,,https://example.test/elb,2026
`

func prices(t *testing.T) *Prices {
	t.Helper()
	p, err := LoadPrices(strings.NewReader(fixturePrices), "fixture.csv")
	require.NoError(t, err)
	return p
}

const provider = "urn:pulumi:production::platform::pulumi:providers:aws::aws-us-east-1"

func res(typ, name string, inputs map[string]any) plan.Resource {
	return plan.Resource{URN: "urn:pulumi:production::platform::" + typ + "::" + name, Type: typ, Name: name, Custom: true,
		Provider: provider, ID: name + "-id", Inputs: inputs}
}

func estimate(t *testing.T, rs ...plan.Resource) *Estimate {
	t.Helper()
	pl := &plan.Plan{Stack: "production", Resources: append([]plan.Resource{
		{URN: provider, Type: "pulumi:providers:aws", Name: "aws-us-east-1", Custom: true, Inputs: map[string]any{"region": "us-east-1"}},
	}, rs...)}
	return EstimatePlan(pl, prices(t), DefaultUsage())
}

func item(t *testing.T, e *Estimate, name string) Item {
	t.Helper()
	for _, it := range e.Items {
		if it.Name == name {
			return it
		}
	}
	require.Failf(t, "no item", name)
	return Item{}
}

func TestRules(t *testing.T) {
	l := func(v ...any) []any { return v }
	e := estimate(t,
		res("aws:eks/cluster:Cluster", "eks", map[string]any{"version": "1.35"}),
		res("aws:ec2/launchTemplate:LaunchTemplate", "lt", map[string]any{"blockDeviceMappings": l(map[string]any{"ebs": map[string]any{"volumeSize": 50.0}})}),
		res("aws:eks/nodeGroup:NodeGroup", "system", map[string]any{
			"scalingConfig": map[string]any{"desiredSize": 3.0}, "instanceTypes": l("m7g.large"), "capacityType": "ON_DEMAND",
			"launchTemplate": map[string]any{"id": "lt-id"}}),
		res("aws:eks/nodeGroup:NodeGroup", "spot", map[string]any{
			"scalingConfig": map[string]any{"desiredSize": 3.0}, "instanceTypes": l("m7g.xlarge", "m6g.xlarge"), "capacityType": "SPOT"}),
		res("aws:ec2/natGateway:NatGateway", "nat", nil),
		res("aws:ec2/vpcEndpoint:VpcEndpoint", "sts", map[string]any{"vpcEndpointType": "Interface", "subnetIds": l("a", "b", "c")}),
		res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", map[string]any{"vpcEndpointType": "Gateway"}),
		res("aws:rds/instance:Instance", "db", map[string]any{"instanceClass": "db.r6g.xlarge", "multiAz": true, "allocatedStorage": 100.0}),
		res("aws:rds/instance:Instance", "replica", map[string]any{"instanceClass": "db.r6g.xlarge", "multiAz": false, "allocatedStorage": 100.0}),
		res("aws:rds/instance:Instance", "sourced-multi-az", map[string]any{"instanceClass": "db.r6g.large", "multiAz": true, "allocatedStorage": 20.0}),
		res("aws:elasticache/replicationGroup:ReplicationGroup", "cache", map[string]any{"nodeType": "cache.r6g.large", "numNodeGroups": 1.0, "replicasPerNodeGroup": 1.0}),
		res("aws:wafv2/webAcl:WebAcl", "waf", map[string]any{"rules": l(1, 2, 3, 4, 5, 6, 7)}),
		res("aws:secretsmanager/secret:Secret", "secret", map[string]any{"replicas": l(map[string]any{"region": "us-west-2"})}),
		res("aws:cloudwatch/logGroup:LogGroup", "logs", map[string]any{"retentionInDays": 365.0}),
		res("aws:cloudwatch/logGroup:LogGroup", "short", map[string]any{"retentionInDays": 30.0}),
		res("aws:cloudwatch/metricAlarm:MetricAlarm", "anomaly", map[string]any{"metricQueries": l(map[string]any{"expression": "ANOMALY_DETECTION_BAND(m1, 2)"})}),
		res("aws:cloudwatch/metricAlarm:MetricAlarm", "plain", map[string]any{"metricName": "CPUUtilization"}),
		res("aws:synthetics/canary:Canary", "canary", map[string]any{"schedule": map[string]any{"expression": "rate(1 minute)"}}),
		res("aws:synthetics/canary:Canary", "hourly", map[string]any{"schedule": map[string]any{"expression": "rate(2 hours)"}}),
		res("kubernetes:networking.k8s.io/v1:Ingress", "api", nil),
		res("kubernetes:networking.k8s.io/v1:Ingress", "admin", nil),
	)
	for name, want := range map[string]float64{
		"eks":              73.00,          // 730 h x 0.10
		"system":           178.70 + 12.00, // 3 x 730 x 0.0816 = 178.704; 3 x 50 GB x 0.08
		"spot":             142.96,         // 3 x 730 x 0.1632 x (1 - 0.60) = 142.9632
		"nat":              32.85 + 4.50,   // 730 x 0.045; 100 GB x 0.045
		"sts":              21.90 + 0.20,   // 3 AZ x 730 x 0.01; 20 GB x 0.01
		"db":               657.00 + 23.00, // 2 x 730 x 0.45; 100 GB x 0.23
		"replica":          328.50 + 11.50, // 730 x 0.45; 100 GB x 0.115
		"sourced-multi-az": 327.77 + 4.60,  // the Multi-AZ row where there is one: 730 x 0.449; 20 GB x 0.23
		"cache":            300.76,         // 2 nodes x 730 x 0.206
		"waf":              5 + 7 + 30,     // ACL, 7 rules, 50 M requests x 0.60
		"secret":           0.80 + 2.50,    // the secret and its replica x 0.40; 50 x 10k calls x 0.05
		"logs":             1.00 + 0.72,    // 2 GB x 0.50; 2 GB x 12 months kept x 0.03
		"short":            1.00 + 0.06,    // 2 GB x 0.50; 2 GB x 1 month x 0.03
		"anomaly":          0.30,           // billed as three alarms
		"plain":            0.10,
		"canary":           52.56, // 43,800 runs x 0.0012
		"hourly":           0.44,  // 365 runs x 0.0012 = 0.438
	} {
		it := item(t, e, name)
		assert.Equal(t, Priced, it.Status, "%s: %s", name, it.Reason)
		assert.InDelta(t, want, it.MonthlyUSD, 0.001, name)
	}
	s3 := item(t, e, "s3")
	assert.Equal(t, Free, s3.Status)
	assert.Equal(t, "gateway endpoints (S3, DynamoDB) are free", s3.Reason)
	lt := item(t, e, "lt")
	assert.Equal(t, Free, lt.Status, "its volumes are the node group's")

	spot := item(t, e, "spot")
	assert.Equal(t, "spotDiscountPercent", spot.Lines[0].Usage, "the spot discount is an assumption the report names")
	nat := item(t, e, "nat")
	assert.Equal(t, "", nat.Lines[0].Usage)
	assert.Equal(t, "natGatewayGBProcessed", nat.Lines[1].Usage, "data processed depends on usage")
	assert.Equal(t, "https://example.test/vpc", nat.Lines[0].Source, "every line names its price's source")

	var total float64
	for _, it := range e.Items {
		total += it.MonthlyUSD
	}
	assert.InDelta(t, total, e.MonthlyUSD, 0.001)
	// spot 142.96, NAT data 4.50, endpoint data 0.20, WAF requests 30,
	// secret calls 2.50, the two log groups 1.72 and 1.06, the load
	// balancer 28.11.
	assert.InDelta(t, 211.05, e.UsageBasedUSD, 0.001)
}

func TestUnpricedIsNeverSilent(t *testing.T) {
	e := estimate(t,
		res("aws:rds/instance:Instance", "db", map[string]any{"instanceClass": "db.x9.huge", "allocatedStorage": 10.0}),
		res("aws:lambda/function:Function", "fn", nil),
		res("aws:unknown/thing:Thing", "thing", nil),
		res("aws:iam/role:Role", "role", nil),
		res("kubernetes:core/v1:Namespace", "ns", nil),
	)
	db := item(t, e, "db")
	assert.Equal(t, Unpriced, db.Status)
	assert.Contains(t, db.Reason, `no price for RDS "db.x9.huge (PostgreSQL, Single-AZ)" in us-east-1`)
	assert.Zero(t, db.MonthlyUSD, "an unpriced resource adds nothing, and says so")
	assert.Equal(t, Unpriced, item(t, e, "fn").Status)
	assert.Equal(t, "no pricing rule for this type yet", item(t, e, "thing").Reason)
	assert.Equal(t, Free, item(t, e, "role").Status)
	assert.Equal(t, "runs on the cluster's nodes, which the node groups price", item(t, e, "ns").Reason)
	assert.Equal(t, 3, e.Counts[Unpriced])
}

func TestPriceTableErrors(t *testing.T) {
	_, err := LoadPrices(strings.NewReader(`service,region,resource,unit,usd_per_unit,notes,source_url,as_of
EKS,us-east-1,control plane,hour,0.1,,unsourced,n/a
EKS,us-east-1,control plane,hour,-1,,https://example.test,2026
EKS,us-west-2,control plane,fortnight,abc,,https://example.test,26-01
`), "bad.csv")
	require.Error(t, err)
	for _, want := range []string{
		`bad.csv line 2: source_url: every price names the page it was read from (an http(s) URL), got "unsourced" for EKS control plane`,
		`bad.csv line 2: as_of: the date the source states (YYYY-MM-DD, YYYY-MM or YYYY; undated when it states none), got "n/a"`,
		`bad.csv line 3: usd_per_unit: a non-negative number, got "-1"`,
		`bad.csv line 3: EKS us-east-1 control plane is priced twice`,
		`bad.csv line 4: usd_per_unit: a non-negative number, got "abc"`,
		`bad.csv line 4: unit: "fortnight" is not a billing unit of PRICES.md`,
		`bad.csv line 4: as_of: the date the source states (YYYY-MM-DD, YYYY-MM or YYYY; undated when it states none), got "26-01"`,
	} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = LoadPrices(strings.NewReader("service,region\n"), "short.csv")
	assert.ErrorContains(t, err, "short.csv")
}

func TestUsage(t *testing.T) {
	u, err := ReadUsage(strings.NewReader("usage:\n  natGatewayGBProcessed: 250\n  spotDiscountPercent: 55.5\n"), "production.yaml")
	require.NoError(t, err)
	assert.Equal(t, 250.0, u.Get("natGatewayGBProcessed"))
	assert.Equal(t, 55.5, u.Get("spotDiscountPercent"))
	assert.Equal(t, 50.0, u.Get("wafRequestsMillion"), "unset keys keep their documented default")
	assert.True(t, u.Set["natGatewayGBProcessed"])
	assert.False(t, u.Set["wafRequestsMillion"])

	_, err = ReadUsage(strings.NewReader("usage:\n  natGBProcessed: 1\n  wafRequestsMillion: -5\n  bucketGBStored: lots\n  spotDiscountPercent: 100\n"), "bad.yaml")
	require.Error(t, err)
	for _, want := range []string{
		"bad.yaml: usage.natGBProcessed: not a usage key; the keys are natGatewayGBProcessed, ",
		"bad.yaml: usage.wafRequestsMillion: a quantity cannot be negative, got -5",
		"bad.yaml: usage.bucketGBStored: a number, got lots",
		"bad.yaml: usage.spotDiscountPercent: a discount below 100 percent, got 100",
	} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = ReadUsage(strings.NewReader("nat: 1\n"), "top.yaml")
	assert.ErrorContains(t, err, "top.yaml")
	for _, k := range UsageKeys {
		assert.NotEmpty(t, k.Doc, k.Name)
		assert.NotEmpty(t, k.Unit, k.Name)
	}
}
