package cost

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// UsageKey is a quantity that depends on traffic, not on the program: the
// estimate takes it from the stack's usage file, or its default.
type UsageKey struct {
	Name    string
	Default float64
	Unit    string
	// Doc says what the quantity is and why the default.
	Doc string
}

// UsageKeys are every quantity a usage file may set.
var UsageKeys = []UsageKey{
	{"natGatewayGBProcessed", 100, "GB a month per NAT gateway", "traffic from the private subnets to the internet (image pulls go through the ECR endpoints, so mostly third-party APIs and package mirrors)"},
	{"interfaceEndpointGBProcessed", 20, "GB a month per interface endpoint", "traffic to ECR, STS, Secrets Manager, KMS and Logs through PrivateLink"},
	{"wafRequestsMillion", 50, "million requests a month per web ACL", "requests the WAF inspects: about 20 requests a second on average"},
	{"logGroupGBIngested", 2, "GB a month per log group", "CloudWatch Logs ingestion per group (flow logs, control plane, RDS, Lambda); Loki holds the applications' logs in S3"},
	{"bucketGBStored", 50, "GB stored per bucket (average over the month)", "objects in each bucket, all storage classes counted at Standard"},
	{"albCount", 1, "Application Load Balancers", "the API's load balancer, created by the AWS Load Balancer Controller from the alb-api ingress class, not by Pulumi"},
	{"albLCU", 2, "LCUs per load balancer on average", "new connections, active connections, bytes and rule evaluations, whichever dimension is highest"},
	{"spotDiscountPercent", 60, "percent below on-demand", "the spot discount assumed for an instance type whose average spot price is not in the price table (prices.csv has the spot group's types; spot prices move hourly by pool)"},
	{"secretsApiRequests10k", 0.5, "units of 10,000 API calls a month per secret", "External Secrets refreshes each secret hourly from both clusters (1,460 calls); rotation, restarts and the forwarder read some more"},
	{"rdsBackupGBBeyondFree", 0, "GB of automated backups beyond the free allowance, per primary database", "backups up to the provisioned storage are free; 14 days of changes of a 100 GB database stay under it"},
	{"crossRegionReplicaStorageGB", 100, "GB of the dr stack's database replica", "a cross-region replica inherits the primary's storage, which is another stack's: platform:database.allocatedStorageGb of production (100 by default)"},
	{"guarddutyManagementEventsMillion", 2, "million CloudTrail management events a month", "events GuardDuty analyses: API calls of the platform's controllers, CI and people across the account"},
	{"guarddutyFlowDnsGB", 50, "GB of VPC flow and DNS logs a month per detector", "GuardDuty reads them from AWS's own copies (no flow-log ingestion of ours is needed for it)"},
	{"guarddutyS3EventsMillion", 10, "million S3 data events a month per detector", "object reads and writes of the data, logs and backup buckets (Loki's chunks dominate)"},
	{"guarddutyEksAuditEventsMillion", 3, "million EKS audit log events a month per detector", "the API server's audit events: controllers' watches and updates, not pods' traffic"},
	{"guarddutyMalwareGBScanned", 0, "GB of EBS volumes scanned a month", "GuardDuty scans a node's volumes only after a finding; none expected in a normal month"},
	{"configItemsRecorded", 5000, "configuration items a month per recorder", "every change of a recorded resource: deployments, scaling, rotations; about 600 resources changing a few times a week"},
	{"configRuleEvaluations", 3000, "evaluations a month per Config rule", "each rule evaluates on every change of the types it covers"},
	{"securityHubChecks", 20000, "security checks a month per account and region", "the enabled standards' controls over every resource, re-run on change and every 12-24 hours"},
	{"cloudtrailDataEvents100k", 100, "units of 100,000 data events a month per trail with data selectors", "S3 object-level events of the data bucket (10 million a month)"},
	{"backupGBStored", 300, "GB of recovery points a month per vault", "35 daily, 13 weekly and 12 monthly recovery points of the database, incremental after the first"},
	{"backupGBCopied", 100, "GB copied to another region a month per plan with a copy action", "the daily recovery points' changes, copied to the other region's vault"},
	{"rdsBackupReplicatedGB", 100, "GB of automated backups replicated a month", "snapshots and transaction logs copied to the other region for point-in-time recovery there"},
	{"s3ReplicatedGB", 20, "GB replicated a month per replication configuration", "new objects of the replicated buckets copied to the DR region"},
	{"firehoseGBIngested", 20, "GB a month per delivery stream", "the WAF logs delivered to S3"},
	{"lambdaRequestsMillion", 0.1, "million invocations a month per function", "the platform's functions run on alerts and configuration events, not on requests"},
	{"lambdaDurationMs", 500, "milliseconds per invocation on average", "a call or two to an AWS API or PagerDuty"},
	{"sqsRequestsMillion", 1, "million requests a month per queue", "the node-termination queue: spot interruptions and EventBridge events, polled by the handler"},
	{"snsPublishesMillion", 0.02, "million publishes a month per topic", "alarms, budget and anomaly alerts: thousands, not millions"},
	{"ecrGBStored", 10, "GB stored a month per repository", "the release images the lifecycle policy keeps"},
	{"ecrImagesScanned", 60, "images pushed (and scanned) a month per registry", "Inspector scans each image on push; the first scan is priced, continuous rescans are not priced yet"},
}

// Usage is a stack's usage quantities.
type Usage struct {
	values map[string]float64
	// Set are the keys the usage file set (the others are defaults).
	Set map[string]bool
}

// DefaultUsage has every key at its default.
func DefaultUsage() Usage {
	u := Usage{values: map[string]float64{}, Set: map[string]bool{}}
	for _, k := range UsageKeys {
		u.values[k.Name] = k.Default
	}
	return u
}

// Get is a quantity (its default when the file does not set it).
func (u Usage) Get(name string) float64 {
	v, ok := u.values[name]
	if !ok {
		panic("cost: unknown usage key " + name) // a rule names a key UsageKeys lacks: a programming error
	}
	return v
}

// ReadUsage reads a usage file: YAML, `usage:` mapping keys of UsageKeys
// to non-negative numbers. An unknown key, a negative or non-numeric
// quantity is an error naming the key and the fix.
func ReadUsage(r io.Reader, name string) (Usage, error) {
	var doc struct {
		Usage map[string]any `yaml:"usage"`
	}
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return Usage{}, fmt.Errorf("%s: %w (the file is `usage:` with a quantity per key)", name, err)
	}
	u := DefaultUsage()
	known := map[string]bool{}
	for _, k := range UsageKeys {
		known[k.Name] = true
	}
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(doc.Usage)) {
		v := doc.Usage[key]
		if !known[key] {
			errs = append(errs, fmt.Errorf("%s: usage.%s: not a usage key; the keys are %s", name, key, strings.Join(keyNames(), ", ")))
			continue
		}
		var n float64
		switch x := v.(type) {
		case int:
			n = float64(x)
		case float64:
			n = x
		default:
			errs = append(errs, fmt.Errorf("%s: usage.%s: a number, got %v", name, key, v))
			continue
		}
		if n < 0 {
			errs = append(errs, fmt.Errorf("%s: usage.%s: a quantity cannot be negative, got %g", name, key, n))
			continue
		}
		if key == "spotDiscountPercent" && n >= 100 {
			errs = append(errs, fmt.Errorf("%s: usage.%s: a discount below 100 percent, got %g", name, key, n))
			continue
		}
		u.values[key], u.Set[key] = n, true
	}
	if len(errs) > 0 {
		return Usage{}, errors.Join(errs...)
	}
	return u, nil
}

func keyNames() []string {
	var out []string
	for _, k := range UsageKeys {
		out = append(out, k.Name)
	}
	return out
}
