package cost

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"platform/internal/plan"
	"platform/policies"
)

// rule is how one resource type is counted: priced by price, free for the
// stated reason, or pending (listed as unpriced, with why).
type rule struct {
	price   func(p *pricer, r plan.Resource)
	free    string
	pending string
}

// input reads a nested input: keys are strings, list indexes ints.
func input(r plan.Resource, path ...any) any { return at(r.Inputs, path...) }

// at reads a nested value of a decoded input the way input does.
func at(v any, path ...any) any {
	for _, k := range path {
		switch key := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[key]
		case int:
			l, ok := v.([]any)
			if !ok || key >= len(l) {
				return nil
			}
			v = l[key]
		}
	}
	return v
}

func number(v any, def float64) float64 {
	if n, ok := v.(float64); ok {
		return n
	}
	return def
}

func str(v any) string { s, _ := v.(string); return s }

func list(v any) []any { l, _ := v.([]any); return l }

// today is the date support windows are judged at (YYYY-MM-DD); tests
// fix it.
var today = func() string { return time.Now().UTC().Format(time.DateOnly) }

// rateExpression is a canary schedule: rate(N minute[s]|hour[s]).
var rateExpression = regexp.MustCompile(`^rate\(([0-9]+) (minute|minutes|hour|hours)\)$`)

var rules = map[string]rule{
	"aws:eks/cluster:Cluster": {price: func(p *pricer, r plan.Resource) {
		// Standard support until the version's end (the pack's calendar,
		// policies.DefaultParams), extended support at six times the rate
		// after it.
		version := str(input(r, "version"))
		end, ok := policies.DefaultParams().KubernetesStandardSupportEnds[version]
		switch {
		case !ok:
			p.err = append(p.err, "Kubernetes "+strconv.Quote(version)+" has no known end of standard support")
		case today() > end:
			p.hourly("control plane (Kubernetes "+version+" in extended support since "+end+")", "EKS", "control plane (extended support)", 1)
		default:
			p.hourly("control plane (Kubernetes "+version+", standard support until "+end+")", "EKS", "control plane (standard support)", 1)
		}
	}},
	"aws:eks/nodeGroup:NodeGroup": {price: func(p *pricer, r plan.Resource) {
		nodes := number(input(r, "scalingConfig", "desiredSize"), 0)
		instance := str(input(r, "instanceTypes", 0))
		row, ok := p.prices.Get("EC2", p.region, instance)
		if !ok {
			p.err = append(p.err, "no price for EC2 "+strconv.Quote(instance)+" in "+p.region)
			return
		}
		component := "instance hours (" + instance + ")"
		spot := str(input(r, "capacityType")) == "SPOT"
		if _, sourced := p.prices.Get("EC2", p.region, instance+" spot (average)"); spot && sourced {
			// A sourced average spot price of the group's first type.
			p.add("spot instance hours ("+instance+", average spot price)", "EC2", instance+" spot (average)", nodes*HoursPerMonth, "")
		} else if spot {
			// No spot price sourced for the type: an explicit discount.
			discount := p.usage.Get("spotDiscountPercent")
			component = "spot instance hours (" + instance + ", " + strconv.FormatFloat(discount, 'f', -1, 64) + "% below on-demand, assumed)"
			hours := nodes * HoursPerMonth
			unit := row.USD * (1 - discount/100)
			// Spot is already the discount: no commitment applies.
			p.item.Lines = append(p.item.Lines, Line{Component: component, Quantity: hours, Unit: row.Unit, UnitUSD: unit,
				MonthlyUSD: cents(hours * unit), Usage: "spotDiscountPercent", Source: row.Source,
				CommittedUnitUSD: unit, CommittedMonthlyUSD: cents(hours * unit)})
		} else {
			p.hourlyCommitted(component, "EC2", instance, nodes, savingsPlan1yr)
		}
		// The nodes' root volumes come from the launch template.
		if lt := launchTemplate(p.plan, str(input(r, "launchTemplate", "id"))); lt != nil {
			gb := number(input(*lt, "blockDeviceMappings", 0, "ebs", "volumeSize"), 0)
			p.add("node volumes (gp3)", "EBS", "gp3 storage", nodes*gb, "")
		}
	}},
	"aws:ec2/natGateway:NatGateway": {price: func(p *pricer, r plan.Resource) {
		p.hourly("gateway hours", "VPC", "NAT gateway", 1)
		p.add("data processed", "VPC", "NAT gateway data processed", p.usage.Get("natGatewayGBProcessed"), "natGatewayGBProcessed")
	}},
	"aws:ec2/eip:Eip": {price: func(p *pricer, r plan.Resource) {
		p.hourly("public IPv4 address", "VPC", "public IPv4 address", 1)
	}},
	"aws:ec2/vpcEndpoint:VpcEndpoint": {price: func(p *pricer, r plan.Resource) {
		if str(input(r, "vpcEndpointType")) != "Interface" {
			p.freeReason = "gateway endpoints (S3, DynamoDB) are free"
			return
		}
		p.add("endpoint AZ-hours", "VPC", "interface endpoint (PrivateLink)", float64(len(list(input(r, "subnetIds"))))*HoursPerMonth, "")
		p.add("data processed", "VPC", "interface endpoint data processed", p.usage.Get("interfaceEndpointGBProcessed"), "interfaceEndpointGBProcessed")
	}},
	"aws:rds/instance:Instance": {price: func(p *pricer, r plan.Resource) {
		class := str(input(r, "instanceClass"))
		multiAZ := input(r, "multiAz") == true
		count, storage := 1.0, "gp3 storage (Single-AZ)"
		if multiAZ {
			count, storage = 2, "gp3 storage (Multi-AZ)" // a standby of the same class
		}
		if _, ok := p.prices.Get("RDS", p.region, class+" (PostgreSQL, Multi-AZ)"); multiAZ && ok {
			// The Multi-AZ rate where it is sourced (not always exactly
			// twice the Single-AZ one).
			p.hourlyCommitted("instance hours (Multi-AZ)", "RDS", class+" (PostgreSQL, Multi-AZ)", 1, reserved1yr)
		} else {
			p.hourlyCommitted(map[bool]string{true: "instance hours (Multi-AZ: primary and standby)", false: "instance hours"}[multiAZ],
				"RDS", class+" (PostgreSQL, Single-AZ)", count, reserved1yr)
		}
		// A replica inherits its source's storage: an in-region source is
		// in the plan; a cross-region one (the dr replica) is another
		// stack's, so its size is a usage quantity.
		gb, usage := number(input(r, "allocatedStorage"), -1), ""
		if source := str(input(r, "replicateSourceDb")); gb < 0 && source != "" {
			if src := rdsInstance(p.plan, source); src != nil {
				gb = number(input(*src, "allocatedStorage"), 0)
			} else {
				gb, usage = p.usage.Get("crossRegionReplicaStorageGB"), "crossRegionReplicaStorageGB"
			}
		}
		p.add("storage", "RDS", storage, max(gb, 0), usage)
		if iops := number(input(r, "iops"), 0); iops > 0 {
			// gp3 includes a baseline (3,000 IOPS below 400 GB); the
			// platform sets none, and provisioned IOPS has no price row.
			p.err = append(p.err, "provisioned IOPS ("+strconv.FormatFloat(iops, 'f', -1, 64)+") have no price row")
		}
		if str(input(r, "replicateSourceDb")) == "" {
			// Automated backups up to the provisioned storage are free.
			p.add("backup storage beyond the free allowance", "RDS", "backup storage beyond free allowance", p.usage.Get("rdsBackupGBBeyondFree"), "rdsBackupGBBeyondFree")
		}
	}},
	"aws:elasticache/replicationGroup:ReplicationGroup": {price: func(p *pricer, r plan.Resource) {
		nodes := number(input(r, "numCacheClusters"), 0)
		if nodes == 0 {
			nodes = number(input(r, "numNodeGroups"), 1) * (1 + number(input(r, "replicasPerNodeGroup"), 0))
		}
		p.hourlyCommitted("node hours", "ElastiCache", str(input(r, "nodeType"))+" (Redis OSS)", nodes, reserved1yr)
	}},
	"aws:opensearch/domain:Domain": {price: func(p *pricer, r plan.Resource) {
		count := number(input(r, "clusterConfig", "instanceCount"), 1)
		p.hourlyCommitted("data node hours", "OpenSearch", str(input(r, "clusterConfig", "instanceType")), count, reserved1yr)
		if input(r, "clusterConfig", "dedicatedMasterEnabled") == true {
			p.hourlyCommitted("master node hours", "OpenSearch", str(input(r, "clusterConfig", "dedicatedMasterType")), number(input(r, "clusterConfig", "dedicatedMasterCount"), 3), reserved1yr)
		}
		p.add("storage (gp3)", "OpenSearch", "gp3 EBS storage", count*number(input(r, "ebsOptions", "volumeSize"), 0), "")
	}},
	"aws:wafv2/webAcl:WebAcl": {price: func(p *pricer, r plan.Resource) {
		p.add("web ACL", "WAFv2", "web ACL", 1, "")
		p.add("rules", "WAFv2", "rule", float64(len(list(input(r, "rules")))), "")
		p.add("requests inspected", "WAFv2", "requests inspected", p.usage.Get("wafRequestsMillion"), "wafRequestsMillion")
	}},
	"aws:kms/key:Key":               {price: func(p *pricer, r plan.Resource) { p.add("key", "KMS", "customer managed key", 1, "") }},
	"aws:kms/replicaKey:ReplicaKey": {price: func(p *pricer, r plan.Resource) { p.add("replica key", "KMS", "customer managed key", 1, "") }},
	"aws:secretsmanager/secret:Secret": {price: func(p *pricer, r plan.Resource) {
		// Each replica is billed as a secret of its own.
		p.add("secret and its replicas", "Secrets Manager", "secret", 1+float64(len(list(input(r, "replicas")))), "")
		p.add("API calls", "Secrets Manager", "API calls", p.usage.Get("secretsApiRequests10k"), "secretsApiRequests10k")
	}},
	"aws:cloudwatch/logGroup:LogGroup": {price: func(p *pricer, r plan.Resource) {
		gb := p.usage.Get("logGroupGBIngested")
		p.add("ingestion", "CloudWatch", "Logs ingestion (Standard class)", gb, "logGroupGBIngested")
		// Kept for the retention period: a month's ingestion per month
		// kept, up to a year (never-expiring groups counted at a year).
		months := number(input(r, "retentionInDays"), 365) / 30
		p.add("storage", "CloudWatch", "Logs storage", gb*min(months, 12), "logGroupGBIngested")
	}},
	"aws:cloudwatch/metricAlarm:MetricAlarm": {price: func(p *pricer, r plan.Resource) {
		// An anomaly-detection alarm is billed as three alarms (the metric
		// and the band's two bounds).
		n := 1.0
		for _, q := range list(input(r, "metricQueries")) {
			if strings.HasPrefix(str(at(q, "expression")), "ANOMALY_DETECTION_BAND") {
				n = 3
			}
		}
		p.add("alarm", "CloudWatch", "alarm (standard resolution)", n, "")
	}},
	"aws:route53/zone:Zone": {price: func(p *pricer, r plan.Resource) { p.add("hosted zone", "Route 53", "hosted zone", 1, "") }},
	"aws:route53/healthCheck:HealthCheck": {price: func(p *pricer, r plan.Resource) {
		p.add("health check", "Route 53", "health check (AWS endpoint)", 1, "")
	}},
	"aws:s3/bucketV2:BucketV2": {price: func(p *pricer, r plan.Resource) {
		p.add("storage (Standard)", "S3", "Standard storage (first 50 TB)", p.usage.Get("bucketGBStored"), "bucketGBStored")
	}},
	"aws:synthetics/canary:Canary": {price: func(p *pricer, r plan.Resource) {
		m := rateExpression.FindStringSubmatch(str(input(r, "schedule", "expression")))
		if m == nil {
			p.err = append(p.err, "schedule "+strconv.Quote(str(input(r, "schedule", "expression")))+" is not rate(N minutes|hours)")
			return
		}
		every, _ := strconv.ParseFloat(m[1], 64)
		minutes := every
		if strings.HasPrefix(m[2], "hour") {
			minutes *= 60
		}
		p.add("runs", "CloudWatch", "Synthetics canary run", HoursPerMonth*60/minutes, "")
	}},

	// Free: configuration, identity and wiring AWS does not bill for.
	"aws:iam/role:Role": {free: "IAM is free"}, "aws:iam/rolePolicy:RolePolicy": {free: "IAM is free"},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {free: "IAM is free"}, "aws:iam/policy:Policy": {free: "IAM is free"},
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": {free: "IAM is free"},
	"aws:iam/accountPasswordPolicy:AccountPasswordPolicy": {free: "IAM is free"},
	"aws:ec2/vpc:Vpc": {free: "VPCs are free"}, "aws:ec2/subnet:Subnet": {free: "subnets are free"},
	"aws:ec2/routeTable:RouteTable": {free: "route tables are free"}, "aws:ec2/route:Route": {free: "routes are free"},
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                                        {free: "route tables are free"},
	"aws:ec2/securityGroup:SecurityGroup":                                                        {free: "security groups are free"},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":                                          {free: "security groups are free"},
	"aws:ec2/networkAcl:NetworkAcl":                                                              {free: "network ACLs are free"},
	"aws:ec2/internetGateway:InternetGateway":                                                    {free: "internet gateways are free (traffic out is not estimated)"},
	"aws:ec2/launchTemplate:LaunchTemplate":                                                      {free: "a template; its volumes are priced with the node group that uses it"},
	"aws:ec2/flowLog:FlowLog":                                                                    {free: "delivery is billed as its log group's ingestion"},
	"aws:kms/alias:Alias":                                                                        {free: "aliases are free"},
	"aws:acm/certificate:Certificate":                                                            {free: "public ACM certificates are free"},
	"aws:acm/certificateValidation:CertificateValidation":                                        {free: "a wait, not a resource"},
	"aws:route53/record:Record":                                                                  {free: "records are free (queries are not estimated)"},
	"aws:secretsmanager/secretPolicy:SecretPolicy":                                               {free: "part of the secret"},
	"aws:secretsmanager/secretRotation:SecretRotation":                                           {free: "the rotation function is billed where it runs"},
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       {free: "bucket configuration"},
	"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     {free: "bucket configuration (the logs are the target bucket's storage)"},
	"aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2":                     {free: "bucket configuration"},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     {free: "bucket configuration"},
	"aws:s3/bucketPolicy:BucketPolicy":                                                           {free: "bucket configuration"},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     {free: "bucket configuration"},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {free: "bucket configuration (KMS requests are not estimated)"},
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               {free: "bucket configuration (noncurrent versions count in the bucket's storage)"},
	"aws:s3/bucketObjectv2:BucketObjectv2":                                                       {free: "one small object (a canary script)"},
	"aws:sns/topicPolicy:TopicPolicy":                                                            {free: "part of the topic"},
	"aws:sns/topicSubscription:TopicSubscription":                                                {free: "deliveries are billed with the topic"},
	"aws:lambda/permission:Permission":                                                           {free: "part of the function"},
	"aws:lambda/invocation:Invocation":                                                           {free: "one invocation per change, inside the free tier"},
	"aws:eks/accessEntry:AccessEntry":                                                            {free: "part of the cluster"},
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation":                                    {free: "part of the cluster"},
	"aws:eks/podIdentityAssociation:PodIdentityAssociation":                                      {free: "part of the cluster"},
	"aws:eks/addon:Addon":                                                                        {free: "EKS add-ons are free; they run on the nodes"},
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":                                                    {free: "repository configuration"},
	"aws:ecr/repositoryPolicy:RepositoryPolicy":                                                  {free: "repository configuration"},
	"aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate":                              {free: "registry configuration"},
	"aws:ecr/replicationConfiguration:ReplicationConfiguration":                                  {free: "registry configuration (the replicas' storage is their region's)"},
	"aws:ecr/pullThroughCacheRule:PullThroughCacheRule":                                          {free: "registry configuration (cached images are storage)"},
	"aws:cloudwatch/eventRule:EventRule":                                                         {free: "rules on AWS service events are free"},
	"aws:cloudwatch/eventTarget:EventTarget":                                                     {free: "part of the rule"},
	"aws:cloudwatch/logMetricFilter:LogMetricFilter":                                             {free: "filters are free (their alarms are priced)"},
	"aws:cloudwatch/logResourcePolicy:LogResourcePolicy":                                         {free: "log group configuration"},
	"aws:cloudwatch/logStream:LogStream":                                                         {free: "part of its log group"},
	"aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter":                                 {free: "delivery is billed by its destination"},
	"aws:rds/parameterGroup:ParameterGroup":                                                      {free: "configuration"},
	"aws:rds/subnetGroup:SubnetGroup":                                                            {free: "configuration"},
	"aws:elasticache/parameterGroup:ParameterGroup":                                              {free: "configuration"},
	"aws:elasticache/subnetGroup:SubnetGroup":                                                    {free: "configuration"},
	"aws:elasticache/user:User":                                                                  {free: "configuration"},
	"aws:elasticache/userGroup:UserGroup":                                                        {free: "configuration"},
	"aws:backup/selection:Selection":                                                             {free: "configuration (the vault's storage is priced)"},
	"aws:backup/vaultLockConfiguration:VaultLockConfiguration":                                   {free: "configuration"},
	"aws:cfg/deliveryChannel:DeliveryChannel":                                                    {free: "configuration (Config bills recorded items)"},
	"aws:cfg/recorderStatus:RecorderStatus":                                                      {free: "configuration (Config bills recorded items)"},
	"aws:guardduty/detectorFeature:DetectorFeature":                                              {free: "billed with its detector"},
	"aws:securityhub/standardsSubscription:StandardsSubscription":                                {free: "billed with the Security Hub account's checks"},
	"aws:xray/group:Group":                                                                       {free: "groups are free (traces are billed by use)"},
	"aws:xray/samplingRule:SamplingRule":                                                         {free: "rules are free (traces are billed by use)"},
	"aws:fis/experimentTemplate:ExperimentTemplate":                                              {free: "a template costs nothing until an experiment runs"},
	"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration":                            {free: "delivery is billed as its log group's ingestion"},
	"aws:opensearch/domainPolicy:DomainPolicy":                                                   {free: "part of the domain"},
	"aws:accessanalyzer/analyzer:Analyzer":                                                       {free: "external access analyzers are free"},
	"aws:budgets/budget:Budget":                                                                  {free: "an account's first two budgets are free (AWS Budgets row of prices.csv); the account has one per stack, two"},
	"aws:costexplorer/anomalyMonitor:AnomalyMonitor":                                             {free: "Cost Anomaly Detection is free (prices.csv)"},
	"aws:costexplorer/anomalySubscription:AnomalySubscription":                                   {free: "part of the anomaly monitor (its SNS deliveries are the topic's)"},
	"aws:costexplorer/costAllocationTag:CostAllocationTag":                                       {free: "activating a cost allocation tag is free"},
	"aws:costexplorer/costCategory:CostCategory":                                                 {free: "cost categories are free"},
	"aws:bcmdata/export:Export":                                                                  {free: "Data Exports are free; the report files are priced with their bucket"},

	// Priced from usage: what these bill depends on activity, so every
	// line names its usage key.
	"aws:guardduty/detector:Detector": {price: priceGuardDuty},
	"aws:cfg/recorder:Recorder": {price: func(p *pricer, r plan.Resource) {
		p.add("configuration items recorded", "Config", "configuration item recorded (continuous)", p.usage.Get("configItemsRecorded"), "configItemsRecorded")
	}},
	"aws:cfg/rule:Rule": {price: func(p *pricer, r plan.Resource) {
		p.add("rule evaluations", "Config", "rule evaluation", p.usage.Get("configRuleEvaluations"), "configRuleEvaluations")
	}},
	"aws:securityhub/account:Account": {price: func(p *pricer, r plan.Resource) {
		p.add("security checks", "Security Hub", "security check (Security Hub CSPM)", p.usage.Get("securityHubChecks"), "securityHubChecks")
	}},
	"aws:cloudtrail/trail:Trail": {price: func(p *pricer, r plan.Resource) {
		// The account's first copy of management events is free; this
		// is the platform's only trail. Data events are billed.
		data := false
		for _, sel := range list(input(r, "advancedEventSelectors")) {
			for _, f := range list(at(sel, "fieldSelectors")) {
				if str(at(f, "field")) == "eventCategory" && slices.Contains(list(at(f, "equals")), any("Data")) {
					data = true
				}
			}
		}
		if !data {
			p.freeReason = "management events only: the account's first copy is free"
			return
		}
		p.add("data events", "CloudTrail", "data events", p.usage.Get("cloudtrailDataEvents100k"), "cloudtrailDataEvents100k")
	}},
	"aws:backup/vault:Vault": {price: func(p *pricer, r plan.Resource) {
		p.add("recovery points (RDS)", "AWS Backup", "RDS backup storage", p.usage.Get("backupGBStored"), "backupGBStored")
	}},
	"aws:backup/plan:Plan": {price: func(p *pricer, r plan.Resource) {
		copies := false
		for _, rule := range list(input(r, "rules")) {
			if len(list(at(rule, "copyActions"))) > 0 {
				copies = true
			}
		}
		if !copies {
			p.freeReason = "a schedule: the recovery points are priced with the vault"
			return
		}
		p.add("cross-region copies", "AWS Backup", "cross-region copy data transfer", p.usage.Get("backupGBCopied"), "backupGBCopied")
	}},
	"aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": {price: func(p *pricer, r plan.Resource) {
		p.add("ingestion", "Kinesis Data Firehose", "Direct PUT ingestion", p.usage.Get("firehoseGBIngested"), "firehoseGBIngested")
	}},
	"aws:lambda/function:Function": {price: func(p *pricer, r plan.Resource) {
		requests := p.usage.Get("lambdaRequestsMillion")
		p.add("requests", "Lambda", "requests", requests, "lambdaRequestsMillion")
		duration := "duration (x86)"
		if slices.Contains(list(input(r, "architectures")), any("arm64")) {
			duration = "duration (Arm)"
		}
		gb := number(input(r, "memorySize"), 128) / 1024
		p.add("compute ("+strconv.FormatFloat(gb*1024, 'f', -1, 64)+" MB)", "Lambda", duration, requests*1e6*p.usage.Get("lambdaDurationMs")/1000*gb, "lambdaDurationMs")
	}},
	"aws:sqs/queue:Queue": {price: func(p *pricer, r plan.Resource) {
		p.add("requests", "SQS", "standard queue requests", p.usage.Get("sqsRequestsMillion"), "sqsRequestsMillion")
	}},
	"aws:sns/topic:Topic": {price: func(p *pricer, r plan.Resource) {
		p.add("publishes", "SNS", "standard topic publishes", p.usage.Get("snsPublishesMillion"), "snsPublishesMillion")
	}},
	"aws:ecr/repository:Repository": {price: func(p *pricer, r plan.Resource) {
		p.add("image storage", "ECR", "private repository storage", p.usage.Get("ecrGBStored"), "ecrGBStored")
	}},
	"aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": {price: func(p *pricer, r plan.Resource) {
		if str(input(r, "scanType")) != "ENHANCED" {
			p.freeReason = "basic scanning is free"
			return
		}
		p.add("images scanned on push (continuous rescans not priced)", "Inspector", "ECR image scan (initial)", p.usage.Get("ecrImagesScanned"), "ecrImagesScanned")
	}},
	"aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": {price: func(p *pricer, r plan.Resource) {
		gb := p.usage.Get("rdsBackupReplicatedGB")
		p.add("transfer to this region", "RDS", "cross-region replication data transfer", gb, "rdsBackupReplicatedGB")
		p.add("replicated backup storage", "RDS", "backup storage beyond free allowance", gb, "rdsBackupReplicatedGB")
	}},
	"aws:s3/bucketReplicationConfig:BucketReplicationConfig": {price: func(p *pricer, r plan.Resource) {
		p.add("inter-region transfer", "S3", "replication data transfer (inter-region)", p.usage.Get("s3ReplicatedGB"), "s3ReplicatedGB")
	}},
}

// rdsInstance is the plan's RDS instance with the given identifier.
func rdsInstance(pl *plan.Plan, identifier string) *plan.Resource {
	for i, r := range pl.Resources {
		if r.Type == "aws:rds/instance:Instance" && str(r.Inputs["identifier"]) == identifier {
			return &pl.Resources[i]
		}
	}
	return nil
}

// launchTemplate is the plan's launch template with the given id.
func launchTemplate(pl *plan.Plan, id string) *plan.Resource {
	for i, r := range pl.Resources {
		if r.Type == "aws:ec2/launchTemplate:LaunchTemplate" && r.ID == id {
			return &pl.Resources[i]
		}
	}
	return nil
}

// priceGuardDuty prices a detector by the features enabled on it: the
// foundational analysis always, then each enabled feature's own unit.
// Runtime and RDS protection are billed per vCPU the plan runs.
func priceGuardDuty(p *pricer, r plan.Resource) {
	p.add("CloudTrail management events", "GuardDuty", "CloudTrail management event analysis", p.usage.Get("guarddutyManagementEventsMillion"), "guarddutyManagementEventsMillion")
	p.add("VPC flow and DNS logs", "GuardDuty", "VPC flow log + DNS log analysis", p.usage.Get("guarddutyFlowDnsGB"), "guarddutyFlowDnsGB")
	for _, f := range p.plan.Resources {
		if f.Type != "aws:guardduty/detectorFeature:DetectorFeature" || str(f.Inputs["status"]) != "ENABLED" || f.Inputs["detectorId"] != r.ID {
			continue
		}
		switch name := str(f.Inputs["name"]); name {
		case "S3_DATA_EVENTS":
			p.add("S3 Protection", "GuardDuty", "S3 Protection (CloudTrail S3 data events)", p.usage.Get("guarddutyS3EventsMillion"), "guarddutyS3EventsMillion")
		case "EKS_AUDIT_LOGS":
			p.add("EKS Protection", "GuardDuty", "EKS Protection (EKS audit logs)", p.usage.Get("guarddutyEksAuditEventsMillion"), "guarddutyEksAuditEventsMillion")
		case "RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING":
			p.add("Runtime Monitoring (the node groups' vCPUs)", "GuardDuty", "Runtime Monitoring (EKS/ECS/EC2)", nodeVCPUs(p, p.plan), "")
		case "RDS_LOGIN_EVENTS":
			p.add("RDS Protection (the databases' vCPUs)", "GuardDuty", "RDS Protection (login activity)", databaseVCPUs(p, p.plan), "")
		case "EBS_MALWARE_PROTECTION":
			p.add("Malware Protection for EBS", "GuardDuty", "Malware Protection for EBS (GB scanned)", p.usage.Get("guarddutyMalwareGBScanned"), "guarddutyMalwareGBScanned")
		default:
			p.err = append(p.err, "GuardDuty feature "+name+" has no pricing")
		}
	}
}

// sizeVCPUs are the vCPUs of an instance size for the general, compute
// and memory families the platform uses (m, c, r, t): large 2, xlarge 4,
// Nxlarge 4N.
var sizeVCPUs = regexp.MustCompile(`^(?:db\.|cache\.)?[a-z][0-9][a-z]*\.(medium|large|([0-9]*)xlarge)$`)

func vcpus(p *pricer, class string) float64 {
	m := sizeVCPUs.FindStringSubmatch(class)
	switch {
	case m == nil:
		p.err = append(p.err, "no vCPU count for "+strconv.Quote(class))
		return 0
	case m[1] == "medium" || m[1] == "large":
		return 2
	case m[2] == "":
		return 4
	}
	n, _ := strconv.ParseFloat(m[2], 64)
	return 4 * n
}

// nodeVCPUs are the vCPUs of every node group of the plan at its desired
// size (the first instance type of each).
func nodeVCPUs(p *pricer, pl *plan.Plan) float64 {
	total := 0.0
	for _, r := range pl.Resources {
		if r.Type == "aws:eks/nodeGroup:NodeGroup" {
			total += number(input(r, "scalingConfig", "desiredSize"), 0) * vcpus(p, str(input(r, "instanceTypes", 0)))
		}
	}
	return total
}

// databaseVCPUs are the vCPUs of the plan's RDS instances (a Multi-AZ
// standby is not monitored: it serves no logins).
func databaseVCPUs(p *pricer, pl *plan.Plan) float64 {
	total := 0.0
	for _, r := range pl.Resources {
		if r.Type == "aws:rds/instance:Instance" {
			total += vcpus(p, str(input(r, "instanceClass")))
		}
	}
	return total
}
