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
EKS,us-east-1,control plane (extended support),hour,0.6,,https://example.test/eks,2026-06-13
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
EC2,us-east-1,m7g.large compute savings plan 1yr no upfront,hour,0.06,,https://example.test/sp,2026
EC2,us-east-1,m7g.large spot (average),hour,0.0302,,https://example.test/spot,2025-05-28
RDS,us-east-1,"db.r6g.xlarge (PostgreSQL, Single-AZ) reserved 1yr no upfront",hour,0.3,,https://example.test/ri,2026
RDS,us-east-1,"db.r6g.large (PostgreSQL, Multi-AZ) reserved 1yr no upfront",hour,0.3,,https://example.test/ri,2026
ElastiCache,us-east-1,cache.r6g.large (Redis OSS) reserved 1yr no upfront,hour,0.15,,https://example.test/ri,2026
GuardDuty,us-east-1,CloudTrail management event analysis,event-million,4,,https://example.test/gd,2026
GuardDuty,us-east-1,VPC flow log + DNS log analysis,GB,1,,https://example.test/gd,2026
GuardDuty,us-east-1,Runtime Monitoring (EKS/ECS/EC2),vCPU-month,1.5,,https://example.test/gd,2026
GuardDuty,us-east-1,S3 Protection (CloudTrail S3 data events),event-million,0.8,,https://example.test/gd,2026
GuardDuty,us-east-1,EKS Protection (EKS audit logs),event-million,1.6,,https://example.test/gd,2026
GuardDuty,us-east-1,RDS Protection (login activity),vCPU-month,1,,https://example.test/gd,2026
GuardDuty,us-east-1,Malware Protection for EBS (GB scanned),GB,0.03,,https://example.test/gd,2026
Config,us-east-1,configuration item recorded (continuous),configuration-item,0.003,,https://example.test/cfg,2026
Config,us-east-1,rule evaluation,rule-evaluation,0.001,,https://example.test/cfg,2026
Security Hub,us-east-1,security check (Security Hub CSPM),security-check,0.001,,https://example.test/sh,2026
CloudTrail,us-east-1,data events,event-100k,0.1,,https://example.test/ct,2026
AWS Backup,us-east-1,RDS backup storage,GB-month,0.095,,https://example.test/bk,2026
AWS Backup,us-east-1,cross-region copy data transfer,GB,0.02,,https://example.test/bk,2026
Kinesis Data Firehose,us-east-1,Direct PUT ingestion,GB,0.029,,https://example.test/fh,2026
Lambda,us-east-1,requests,request-million,0.2,,https://example.test/lambda,2026
Lambda,us-east-1,duration (Arm),GB-second,0.0000133334,,https://example.test/lambda,2026
SQS,us-east-1,standard queue requests,request-million,0.4,,https://example.test/sqs,2026
SNS,us-east-1,standard topic publishes,request-million,0.5,,https://example.test/sns,2026
ECR,us-east-1,private repository storage,GB-month,0.1,,https://example.test/ecr,2026
Inspector,us-east-1,ECR image scan (initial),image,0.09,,https://example.test/insp,2026
RDS,us-east-1,cross-region replication data transfer,GB,0.02,,https://example.test/rds,2026
RDS,us-east-1,backup storage beyond free allowance,GB-month,0.095,,https://example.test/rds,2026
S3,us-east-1,replication data transfer (inter-region),GB,0.02,,https://example.test/s3,2026
S3,us-east-1,Standard storage (first 50 TB),GB-month,0.023,,https://example.test/s3,2026
VPC,us-east-1,public IPv4 address,hour,0.005,,https://example.test/vpc,2026
KMS,us-east-1,customer managed key,key-month,1,,https://example.test/kms,2026
Route 53,us-east-1,hosted zone,hosted-zone-month,0.5,,https://example.test/r53,2026
Route 53,us-east-1,health check (AWS endpoint),health-check-month,0.5,,https://example.test/r53,2026
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

// fixToday judges support windows at a fixed date.
func fixToday(t *testing.T, date string) {
	t.Helper()
	saved := today
	today = func() string { return date }
	t.Cleanup(func() { today = saved })
}

func TestEKSSupportWindow(t *testing.T) {
	fixToday(t, "2026-11-23")
	e := estimate(t,
		res("aws:eks/cluster:Cluster", "current", map[string]any{"version": "1.35"}),
		res("aws:eks/cluster:Cluster", "old", map[string]any{"version": "1.33"}),
		res("aws:eks/cluster:Cluster", "unknown", map[string]any{"version": "1.20"}),
	)
	assert.InDelta(t, 73.00, item(t, e, "current").MonthlyUSD, 0.001, "730 h x 0.10 in standard support")
	assert.Equal(t, "control plane (Kubernetes 1.35, standard support until 2027-03-27)", item(t, e, "current").Lines[0].Component)
	assert.InDelta(t, 438.00, item(t, e, "old").MonthlyUSD, 0.001, "730 h x 0.60: 1.33 left standard support on 2026-07-29")
	assert.Equal(t, Unpriced, item(t, e, "unknown").Status, "a version without a known window is never guessed")
	assert.Contains(t, item(t, e, "unknown").Reason, `Kubernetes "1.20" has no known end of standard support`)
}

func TestRules(t *testing.T) {
	fixToday(t, "2026-11-23")
	l := func(v ...any) []any { return v }
	e := estimate(t,
		res("aws:eks/cluster:Cluster", "eks", map[string]any{"version": "1.35"}),
		res("aws:ec2/launchTemplate:LaunchTemplate", "lt", map[string]any{"blockDeviceMappings": l(map[string]any{"ebs": map[string]any{"volumeSize": 50.0}})}),
		res("aws:eks/nodeGroup:NodeGroup", "system", map[string]any{
			"scalingConfig": map[string]any{"desiredSize": 3.0}, "instanceTypes": l("m7g.large"), "capacityType": "ON_DEMAND",
			"launchTemplate": map[string]any{"id": "lt-id"}}),
		res("aws:eks/nodeGroup:NodeGroup", "spot", map[string]any{
			"scalingConfig": map[string]any{"desiredSize": 3.0}, "instanceTypes": l("m7g.xlarge", "m6g.xlarge"), "capacityType": "SPOT"}),
		res("aws:eks/nodeGroup:NodeGroup", "sourced-spot", map[string]any{
			"scalingConfig": map[string]any{"desiredSize": 3.0}, "instanceTypes": l("m7g.large", "m6g.large"), "capacityType": "SPOT"}),
		res("aws:ec2/natGateway:NatGateway", "nat", nil),
		res("aws:ec2/vpcEndpoint:VpcEndpoint", "sts", map[string]any{"vpcEndpointType": "Interface", "subnetIds": l("a", "b", "c")}),
		res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", map[string]any{"vpcEndpointType": "Gateway"}),
		res("aws:rds/instance:Instance", "db", map[string]any{"instanceClass": "db.r6g.xlarge", "multiAz": true, "allocatedStorage": 100.0, "identifier": "db-primary"}),
		res("aws:rds/instance:Instance", "replica", map[string]any{"instanceClass": "db.r6g.xlarge", "multiAz": false, "identifier": "db-replica", "replicateSourceDb": "db-primary"}),
		res("aws:rds/instance:Instance", "cross-region", map[string]any{"instanceClass": "db.r6g.large", "replicateSourceDb": "arn:aws:rds:us-west-2:1:db:elsewhere"}),
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
		"spot":             142.96,         // no spot row for m7g.xlarge: 3 x 730 x 0.1632 x (1 - 0.60) = 142.9632
		"sourced-spot":     66.14,          // the sourced average spot price: 3 x 730 x 0.0302 = 66.138
		"nat":              32.85 + 4.50,   // 730 x 0.045; 100 GB x 0.045
		"sts":              21.90 + 0.20,   // 3 AZ x 730 x 0.01; 20 GB x 0.01
		"db":               657.00 + 23.00, // 2 x 730 x 0.45; 100 GB x 0.23
		"replica":          328.50 + 11.50, // 730 x 0.45; the source's 100 GB x 0.115
		"cross-region":     164.25 + 11.50, // 730 x 0.225; 100 GB (crossRegionReplicaStorageGB) x 0.115
		"sourced-multi-az": 327.77 + 4.60,  // the Multi-AZ row where there is one: 730 x 0.449; 20 GB x 0.23
		"cache":            300.76,         // 2 nodes x 730 x 0.206
		"waf":              5 + 7 + 30,     // ACL, 7 rules, 50 M requests x 0.60
		"secret":           0.80 + 0.03,    // the secret and its replica x 0.40; 0.5 x 10k calls x 0.05 = 0.025
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
	assert.Equal(t, "spotDiscountPercent", spot.Lines[0].Usage, "without a spot price, the discount is an assumption the report names")
	sourced := item(t, e, "sourced-spot")
	assert.Equal(t, "", sourced.Lines[0].Usage, "a sourced spot price is no assumption")
	assert.Equal(t, "https://example.test/spot", sourced.Lines[0].Source)
	assert.Equal(t, sourced.MonthlyUSD, sourced.CommittedMonthlyUSD, "spot is not committed")
	nat := item(t, e, "nat")
	assert.Equal(t, "", nat.Lines[0].Usage)
	assert.Equal(t, "natGatewayGBProcessed", nat.Lines[1].Usage, "data processed depends on usage")
	assert.Equal(t, "https://example.test/vpc", nat.Lines[0].Source, "every line names its price's source")

	var total, committed float64
	for _, it := range e.Items {
		total += it.MonthlyUSD
		committed += it.CommittedMonthlyUSD
	}
	assert.InDelta(t, total, e.MonthlyUSD, 0.001)
	assert.InDelta(t, committed, e.CommittedMonthlyUSD, 0.001)
	// spot 142.96 (the assumed discount), NAT data 4.50, endpoint data 0.20, WAF requests 30,
	// secret calls 0.03, the two log groups 1.72 and 1.06, the load
	// balancer 28.11, the cross-region replica's storage 11.50.
	assert.InDelta(t, 220.08, e.UsageBasedUSD, 0.001)

	// With commitments: the sourced reserved and savings-plan rates
	// replace the on-demand hours; everything else stays on demand.
	for name, want := range map[string]float64{
		"system":           131.40 + 12.00, // 3 x 730 x 0.06 (savings plan); the volumes are not covered
		"spot":             142.96,         // spot is not committed
		"db":               438.00 + 23.00, // 2 x 730 x 0.30 (the Single-AZ reservation, twice)
		"replica":          219.00 + 11.50, // 730 x 0.30
		"sourced-multi-az": 219.00 + 4.60,  // the Multi-AZ reservation: 730 x 0.30
		"cache":            219.00,         // 2 x 730 x 0.15
		"eks":              73.00,          // no commitment covers the control plane
	} {
		assert.InDelta(t, want, item(t, e, name).CommittedMonthlyUSD, 0.001, name)
	}
	db := item(t, e, "db")
	assert.Equal(t, "db.r6g.xlarge (PostgreSQL, Single-AZ) reserved 1yr no upfront", db.Lines[0].Commitment)
	assert.Equal(t, "https://example.test/ri", db.Lines[0].CommitmentSource, "a committed rate names its source too")
	assert.Empty(t, item(t, e, "eks").Lines[0].Commitment)
	assert.Empty(t, item(t, e, "eks").Lines[0].CommitmentUnsourced, "nothing commits the control plane: no gap either")
	// OpenSearch, and any class without a sourced rate, is a gap the
	// report lists with the on-demand dollars it leaves uncommitted.
	assert.Equal(t, []CommitmentGap{{Rate: "RDS db.r6g.large (PostgreSQL, Single-AZ) reserved 1yr no upfront (us-east-1)", MonthlyUSD: 164.25}}, e.CommitmentGaps,
		"the fixture has no Single-AZ db.r6g.large reservation: the cross-region replica's hours stay on demand")
	gapped := estimate(t, res("aws:elasticache/replicationGroup:ReplicationGroup", "cache", map[string]any{"nodeType": "cache.r6g.large", "numCacheClusters": 2.0}),
		res("aws:ec2/natGateway:NatGateway", "nat", nil),
		res("aws:eks/nodeGroup:NodeGroup", "general", map[string]any{"scalingConfig": map[string]any{"desiredSize": 2.0}, "instanceTypes": l("m7g.xlarge")}))
	assert.Equal(t, []CommitmentGap{{Rate: "EC2 m7g.xlarge compute savings plan 1yr no upfront (us-east-1)", MonthlyUSD: 238.27}}, gapped.CommitmentGaps,
		"2 x 730 x 0.1632 on demand with no sourced savings-plan rate")
	var text strings.Builder
	WriteText(&text, gapped)
	assert.Contains(t, text.String(), "COMMITMENT RATES NOT SOURCED")
	assert.Contains(t, text.String(), "EC2 m7g.xlarge compute savings plan 1yr no upfront (us-east-1): $238.27 a month")
	// On demand 2,263.12 less the commitments' savings: system 47.30,
	// db 219.00, replica 109.50, sourced-multi-az 108.77, cache 81.76.
	assert.InDelta(t, e.MonthlyUSD-47.30-219.00-109.50-108.77-81.76, e.CommittedMonthlyUSD, 0.001)
}

// TestUsageRules: the types billed by activity, priced from the usage
// defaults (every expected figure by hand).
func TestUsageRules(t *testing.T) {
	l := func(v ...any) []any { return v }
	feature := func(name, status string) plan.Resource {
		return res("aws:guardduty/detectorFeature:DetectorFeature", "gd-"+name, map[string]any{"detectorId": "gd-id", "name": name, "status": status})
	}
	e := estimate(t,
		res("aws:eks/nodeGroup:NodeGroup", "general", map[string]any{"scalingConfig": map[string]any{"desiredSize": 3.0}, "instanceTypes": l("m7g.xlarge")}),
		res("aws:rds/instance:Instance", "db", map[string]any{"instanceClass": "db.r6g.xlarge", "allocatedStorage": 100.0}),
		res("aws:guardduty/detector:Detector", "gd", map[string]any{"enable": true}),
		feature("S3_DATA_EVENTS", "ENABLED"), feature("EKS_AUDIT_LOGS", "ENABLED"), feature("RUNTIME_MONITORING", "ENABLED"),
		feature("RDS_LOGIN_EVENTS", "ENABLED"), feature("EBS_MALWARE_PROTECTION", "DISABLED"),
		res("aws:cfg/recorder:Recorder", "recorder", nil),
		res("aws:cfg/rule:Rule", "rule", nil),
		res("aws:securityhub/account:Account", "hub", nil),
		res("aws:cloudtrail/trail:Trail", "trail", map[string]any{"advancedEventSelectors": l(
			map[string]any{"fieldSelectors": l(map[string]any{"field": "eventCategory", "equals": l("Management")})},
			map[string]any{"fieldSelectors": l(map[string]any{"field": "eventCategory", "equals": l("Data")})})}),
		res("aws:cloudtrail/trail:Trail", "management-only", map[string]any{"advancedEventSelectors": l(
			map[string]any{"fieldSelectors": l(map[string]any{"field": "eventCategory", "equals": l("Management")})})}),
		res("aws:backup/vault:Vault", "vault", nil),
		res("aws:backup/plan:Plan", "copying", map[string]any{"rules": l(map[string]any{"copyActions": l(map[string]any{"destinationVaultArn": "x"})})}),
		res("aws:backup/plan:Plan", "local", map[string]any{"rules": l(map[string]any{"ruleName": "daily"})}),
		res("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "waf-logs", nil),
		res("aws:lambda/function:Function", "fn", map[string]any{"memorySize": 128.0, "architectures": l("arm64")}),
		res("aws:sqs/queue:Queue", "queue", nil),
		res("aws:sns/topic:Topic", "topic", nil),
		res("aws:ecr/repository:Repository", "repo", nil),
		res("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", "enhanced", map[string]any{"scanType": "ENHANCED"}),
		res("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", "basic", map[string]any{"scanType": "BASIC"}),
		res("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "backups", nil),
		res("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "replication", nil),
		res("aws:s3/bucketV2:BucketV2", "bucket", nil),
		res("aws:ec2/eip:Eip", "eip", nil),
		res("aws:kms/key:Key", "key", nil),
		res("aws:kms/replicaKey:ReplicaKey", "replica-key", nil),
		res("aws:route53/zone:Zone", "zone", nil),
		res("aws:route53/healthCheck:HealthCheck", "check", nil),
	)
	for name, want := range map[string]float64{
		// 2 M management events x 4; 50 GB x 1; 10 M S3 events x 0.8;
		// 3 M audit events x 1.6; 12 node vCPUs x 1.5; 4 database vCPUs x 1.
		"gd":          8 + 50 + 8 + 4.80 + 18 + 4,
		"recorder":    15.00,       // 5,000 items x 0.003
		"rule":        3.00,        // 3,000 evaluations x 0.001
		"hub":         20.00,       // 20,000 checks x 0.001
		"trail":       10.00,       // 100 x 100k data events x 0.10
		"vault":       28.50,       // 300 GB x 0.095
		"copying":     2.00,        // 100 GB x 0.02
		"waf-logs":    0.58,        // 20 GB x 0.029
		"fn":          0.02 + 0.08, // 0.1 M x 0.20; 100,000 x 0.5 s x 0.125 GB = 6,250 GB-s x 0.0000133334
		"queue":       0.40,        // 1 M x 0.40
		"topic":       0.01,        // 0.02 M x 0.50
		"repo":        1.00,        // 10 GB x 0.10
		"enhanced":    5.40,        // 60 images x 0.09
		"backups":     2.00 + 9.50, // 100 GB x 0.02 transfer; 100 GB x 0.095 storage
		"replication": 0.40,        // 20 GB x 0.02
		"bucket":      1.15,        // 50 GB x 0.023
		"eip":         3.65,        // 730 h x 0.005
		"key":         1.00,        // a key-month
		"replica-key": 1.00,        // a replica is billed as a key
		"zone":        0.50,        // a hosted zone-month
		"check":       0.50,        // a health check-month
	} {
		it := item(t, e, name)
		assert.Equal(t, Priced, it.Status, "%s: %s", name, it.Reason)
		assert.InDelta(t, want, it.MonthlyUSD, 0.001, name)
	}
	for name, reason := range map[string]string{
		"management-only": "management events only: the account's first copy is free",
		"local":           "a schedule: the recovery points are priced with the vault",
		"basic":           "basic scanning is free",
	} {
		it := item(t, e, name)
		assert.Equal(t, Free, it.Status, name)
		assert.Equal(t, reason, it.Reason, name)
	}
	gd := item(t, e, "gd")
	require.Len(t, gd.Lines, 6, "the two foundational sources and the four enabled features; the disabled one is not billed")
	assert.Equal(t, 12.0, gd.Lines[4].Quantity, "runtime monitoring counts the node groups' vCPUs")
	assert.Equal(t, "", gd.Lines[4].Usage, "vCPUs come from the plan, not from usage")
}

func TestVCPUs(t *testing.T) {
	p := &pricer{}
	for class, want := range map[string]float64{"m7g.large": 2, "m7g.xlarge": 4, "m7g.2xlarge": 8, "db.r6g.xlarge": 4, "db.r6g.4xlarge": 16, "cache.r6g.large": 2, "t4g.medium": 2} {
		assert.Equal(t, want, vcpus(p, class), class)
	}
	assert.Zero(t, vcpus(p, "x1e.metal"))
	assert.Equal(t, []string{`no vCPU count for "x1e.metal"`}, p.err, "an unknown size makes the resource unpriced, never free")
}

func TestDiff(t *testing.T) {
	l := func(v ...any) []any { return v }
	base := estimate(t,
		res("aws:ec2/natGateway:NatGateway", "nat-a", nil),
		res("aws:ec2/natGateway:NatGateway", "nat-b", nil),
		res("aws:eks/nodeGroup:NodeGroup", "system", map[string]any{"scalingConfig": map[string]any{"desiredSize": 3.0}, "instanceTypes": l("m7g.large")}),
		res("aws:iam/role:Role", "role", nil),
	)
	head := estimate(t,
		res("aws:ec2/natGateway:NatGateway", "nat-a", nil),
		res("aws:eks/nodeGroup:NodeGroup", "system", map[string]any{"scalingConfig": map[string]any{"desiredSize": 4.0}, "instanceTypes": l("m7g.large")}),
		res("aws:iam/role:Role", "role", nil),
		res("aws:iam/role:Role", "new-role", nil),
		res("aws:rds/instance:Instance", "db", map[string]any{"instanceClass": "db.r6g.large", "multiAz": false, "allocatedStorage": 20.0}),
		res("aws:unknown/thing:Thing", "thing", nil),
	)
	d := DiffEstimates(base, head)
	// The fourth node: 730 x 0.0816 = 59.57 (178.70 -> 238.27); nat-b
	// removed: -37.35; the database added: 730 x 0.225 + 20 x 0.115 =
	// 164.25 + 2.30.
	byName := map[string]Change{}
	for _, c := range d.Changes {
		byName[c.Name] = c
	}
	require.Len(t, d.Changes, 4, "the free role added and the unchanged NAT are not changes; the unpriced newcomer is")
	assert.Equal(t, Change{URN: byName["system"].URN, Type: "aws:eks/nodeGroup:NodeGroup", Name: "system", Kind: "changed",
		BaseStatus: Priced, HeadStatus: Priced, BaseUSD: 178.70, HeadUSD: 238.27, DeltaUSD: 59.57,
		BaseCommittedUSD: 131.40, HeadCommittedUSD: 175.20, DeltaCommittedUSD: 43.80}, byName["system"])
	assert.Equal(t, "removed", byName["nat-b"].Kind)
	assert.InDelta(t, -37.35, byName["nat-b"].DeltaUSD, 0.001)
	assert.Equal(t, "added", byName["db"].Kind)
	assert.InDelta(t, 166.55, byName["db"].DeltaUSD, 0.001)
	assert.Equal(t, Unpriced, byName["thing"].HeadStatus)
	assert.InDelta(t, 59.57-37.35+166.55, d.DeltaUSD, 0.001)
	assert.InDelta(t, head.MonthlyUSD-base.MonthlyUSD, d.DeltaUSD, 0.001)
	assert.Equal(t, "db", d.Changes[0].Name, "largest difference first")
	assert.Equal(t, 1, d.Head.Unpriced-d.Base.Unpriced)

	var md strings.Builder
	WriteDiffMarkdown(&md, d)
	assert.Contains(t, md.String(), "### Cost of `production`: +$188.77 a month")
	assert.Contains(t, md.String(), "| On demand | $253.40 | $442.17 | +$188.77 |")
	assert.Contains(t, md.String(), "| thing | Thing | added, unpriced | $0.00 | $0.00 | $0.00 |")
	assert.Contains(t, md.String(), "| nat-b | NatGateway | removed | $37.35 | $0.00 | -$37.35 |")

	same := DiffEstimates(head, head)
	assert.Empty(t, same.Changes)
	assert.Zero(t, same.DeltaUSD)
}

func TestReadEstimate(t *testing.T) {
	e, err := ReadEstimate(strings.NewReader(`{"schemaVersion": 1, "stack": "production", "items": [], "monthlyUsd": 1}`), "base.json")
	require.NoError(t, err)
	assert.Equal(t, "production", e.Stack)
	for doc, want := range map[string]string{
		`{"stack": "production", "items": []}`:                     "base.json: schemaVersion 0, this platform reads 1",
		`{"schemaVersion": 1, "items": []}`:                        "base.json: a cost report names its stack and lists its items",
		`not json`:                                                 "base.json: not a cost report (platform cost --format json)",
		`{"schemaVersion": 1, "stack": "production", "items": {}}`: "base.json: not a cost report",
	} {
		_, err := ReadEstimate(strings.NewReader(doc), "base.json")
		assert.ErrorContains(t, err, want, doc)
	}
}

func TestUSD(t *testing.T) {
	for v, want := range map[float64]string{0: "$0.00", 3318.58: "$3,318.58", 1234567.891: "$1,234,567.89", -37.35: "-$37.35", 999.999: "$1,000.00"} {
		assert.Equal(t, want, usd(v), v)
	}
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
