package awsmodel

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
)

func TestOutputs(t *testing.T) {
	bucket := Outputs("aws:s3/bucketV2:BucketV2", ID("data"), "us-east-1", "123456789012", map[string]any{"bucket": "platform-data"})
	assert.Equal(t, "arn:aws:s3:::platform-data", bucket["arn"])
	key := Outputs("aws:kms/key:Key", ID("kms-data"), "us-west-2", "123456789012", map[string]any{})
	assert.Equal(t, "arn:aws:kms:us-west-2:123456789012:key/kms-data-id", key["arn"])

	replica := Outputs("aws:rds/instance:Instance", ID("database"), "us-west-2", "123456789012", map[string]any{
		"identifier": "db", "replicateSourceDb": "arn:aws:rds:us-east-1:123456789012:db:src", "kmsKeyId": "k",
	})
	assert.Equal(t, "postgres", replica["engine"], "a replica reports the engine it inherits")
	assert.Equal(t, true, replica["storageEncrypted"])
	primary := Outputs("aws:rds/instance:Instance", ID("database"), "us-east-1", "123456789012", map[string]any{"identifier": "db"})
	assert.NotContains(t, primary, "engine", "a primary's engine is its input, not a computed value")
	assert.Regexp(t, `^db-[A-Z2-7]{26}$`, primary["resourceId"], "DbiResourceId, as IAM database authentication names it")
	assert.NotEqual(t, primary["resourceId"], replica["resourceId"])

	cert := Outputs("aws:acm/certificate:Certificate", ID("edge"), "us-east-1", "123456789012", map[string]any{
		"domainName": "api.example.com", "subjectAlternativeNames": []any{"www.example.com"},
	})
	options := cert["domainValidationOptions"].([]any)
	assert.Len(t, options, 2, "one validation record per name on the certificate")
	assert.Equal(t, "api.example.com", options[0].(map[string]any)["domainName"])
	assert.Equal(t, options, Outputs("aws:acm/certificate:Certificate", ID("edge"), "us-east-1", "123456789012", map[string]any{
		"domainName": "api.example.com", "subjectAlternativeNames": []any{"www.example.com"},
	})["domainValidationOptions"], "stable across runs and engines")

	topic := Outputs("aws:sns/topic:Topic", ID("alerts"), "us-east-1", "123456789012", map[string]any{"name": "platform-prod-use1-alerts"})
	assert.Equal(t, "arn:aws:sns:us-east-1:123456789012:platform-prod-use1-alerts", topic["arn"], "a topic's ARN ends in its name")
	search := Outputs("aws:opensearch/domain:Domain", ID("search"), "us-east-1", "123456789012", map[string]any{"domainName": "platform-prod-use1-search"})
	assert.Equal(t, "arn:aws:es:us-east-1:123456789012:domain/platform-prod-use1-search", search["arn"])
	assert.Regexp(t, `^vpc-platform-prod-use1-search-[0-9a-f]{8}\.us-east-1\.es\.amazonaws\.com$`, search["endpoint"])
	firehose := Outputs("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", ID("a"), "us-east-1", "123456789012", map[string]any{"name": "s"})
	assert.Equal(t, "arn:aws:firehose:us-east-1:123456789012:deliverystream/s", firehose["arn"])
	other := Outputs("aws:xray/group:Group", ID("api"), "us-east-1", "123456789012", map[string]any{})
	assert.Equal(t, "arn:aws:xray:us-east-1:123456789012:group/api-id", other["arn"])
	assert.Equal(t, []string{"arn", "domainValidationOptions"}, Computed("aws:acm/certificate:Certificate"))
}

// TestReplaceOn pins the facts the real-engine run depends on: what
// replaces the stateful resources, and what does not.
func TestReplaceOn(t *testing.T) {
	cases := []struct {
		typ      string
		replaces []string
		updates  []string
	}{
		{"aws:rds/instance:Instance", []string{"engine", "kmsKeyId", "storageEncrypted", "username", "dbName", "availabilityZone"}, []string{"replicateSourceDb", "identifier", "instanceClass", "multiAz", "engineVersion", "backupRetentionPeriod"}},
		{"aws:s3/bucketV2:BucketV2", []string{"bucket", "objectLockEnabled"}, []string{"tags"}},
		{"aws:kms/key:Key", []string{"multiRegion", "customerMasterKeySpec", "keyUsage"}, []string{"enableKeyRotation", "policy", "deletionWindowInDays"}},
		{"aws:elasticache/replicationGroup:ReplicationGroup", []string{"replicationGroupId", "atRestEncryptionEnabled", "kmsKeyId", "subnetGroupName"}, []string{"nodeType", "numCacheClusters"}},
		{"aws:backup/vault:Vault", []string{"name", "kmsKeyArn"}, []string{"tags"}},
		{"aws:eks/cluster:Cluster", []string{"name", "roleArn"}, []string{"version", "vpcConfig"}},
		// The search domain: renaming it or changing its KMS key (nested,
		// see TestReplacesChangeNested) replaces it and its indices; the
		// rest, its VPC placement included, is UpdateDomainConfig.
		{"aws:opensearch/domain:Domain", []string{"domainName"}, []string{"engineVersion", "clusterConfig", "ebsOptions", "encryptAtRest", "vpcOptions", "accessPolicies", "advancedSecurityOptions", "logPublishingOptions"}},
		{"aws:opensearch/domainPolicy:DomainPolicy", nil, []string{"domainName", "accessPolicies"}},
		{"aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", []string{"name", "destination", "kinesisSourceConfiguration", "mskSourceConfiguration"}, []string{"opensearchConfiguration", "extendedS3Configuration", "serverSideEncryption", "tags"}},
		{"aws:synthetics/canary:Canary", []string{"name"}, []string{"schedule", "runtimeVersion", "artifactS3Location", "executionRoleArn", "vpcConfig", "runConfig", "zipFile"}},
		{"aws:fis/experimentTemplate:ExperimentTemplate", []string{"tags"}, []string{"actions", "targets", "stopConditions", "roleArn", "description", "logConfiguration", "experimentOptions"}},
		{"aws:xray/samplingRule:SamplingRule", []string{"ruleName", "version"}, []string{"fixedRate", "reservoirSize", "priority", "serviceName"}},
		{"aws:xray/group:Group", []string{"groupName"}, []string{"filterExpression", "insightsConfiguration"}},
		{"aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter", []string{"destinationArn", "logGroup", "name"}, []string{"filterPattern", "roleArn", "distribution"}},
		{"aws:cloudwatch/logResourcePolicy:LogResourcePolicy", []string{"policyName"}, []string{"policyDocument"}},
		{"aws:cloudwatch/logStream:LogStream", []string{"logGroupName", "name"}, nil},
		{"aws:s3/bucketObjectv2:BucketObjectv2", []string{"bucket", "key"}, []string{"content", "source", "kmsKeyId", "serverSideEncryption", "tags"}},
		{"aws:lambda/function:Function", []string{"name", "packageType"}, []string{"runtime", "handler", "role", "code", "memorySize", "timeout", "vpcConfig", "environment"}},
		{"aws:lambda/invocation:Invocation", []string{"functionName", "triggers"}, []string{"lifecycleScope", "terraformKey"}},
		{"aws:ecr/repository:Repository", []string{"name", "encryptionConfigurations"}, []string{"imageTagMutability", "imageScanningConfiguration", "forceDelete", "tags"}},
		{"aws:ecr/lifecyclePolicy:LifecyclePolicy", []string{"policy", "repository"}, nil},
		{"aws:sns/topicSubscription:TopicSubscription", []string{"endpoint", "protocol", "topic"}, []string{"filterPolicy", "rawMessageDelivery", "redrivePolicy"}},
		{"aws:eks/accessEntry:AccessEntry", []string{"clusterName", "principalArn", "type"}, []string{"kubernetesGroups", "tags"}},
		{"aws:eks/accessPolicyAssociation:AccessPolicyAssociation", []string{"accessScope", "clusterName", "policyArn", "principalArn"}, nil},
		{"aws:eks/podIdentityAssociation:PodIdentityAssociation", []string{"clusterName", "namespace", "serviceAccount"}, []string{"roleArn"}},
	}
	for _, tc := range cases {
		for _, p := range tc.replaces {
			assert.True(t, Replaces(tc.typ, p), "%s.%s replaces", tc.typ, p)
		}
		for _, p := range tc.updates {
			assert.False(t, Replaces(tc.typ, p), "%s.%s updates in place", tc.typ, p)
		}
	}
}

// TestReplacesChangeNested: where only part of a block replaces (a node
// group's launch template id, not its version), only that part does.
func TestReplacesChangeNested(t *testing.T) {
	ng := "aws:eks/nodeGroup:NodeGroup"
	lt := func(id, version string) any { return map[string]any{"id": id, "version": version} }
	assert.False(t, ReplacesChange(ng, "launchTemplate", lt("lt-1", "1"), lt("lt-1", "2"), false), "a new template version rolls the nodes in place")
	assert.True(t, ReplacesChange(ng, "launchTemplate", lt("lt-1", "1"), lt("lt-2", "1"), false), "another template replaces the group")
	assert.True(t, ReplacesChange(ng, "launchTemplate", lt("lt-1", "1"), nil, true), "an unknown template may be another one")
	assert.True(t, ReplacesChange(ng, "instanceTypes", []any{"m7g.large"}, []any{"m7g.xlarge"}, false))
	assert.False(t, ReplacesChange(ng, "scalingConfig", map[string]any{"desiredSize": 3.0}, map[string]any{"desiredSize": 4.0}, false))

	bucket := "aws:s3/bucketV2:BucketV2"
	assert.False(t, ReplacesChange(bucket, "objectLockConfiguration",
		map[string]any{"objectLockEnabled": "Enabled", "rule": map[string]any{"days": 1.0}},
		map[string]any{"objectLockEnabled": "Enabled", "rule": map[string]any{"days": 2.0}}, false))
	assert.True(t, ReplacesChange(bucket, "objectLockConfiguration", nil, []any{map[string]any{"objectLockEnabled": "Enabled"}}, false),
		"turning Object Lock on through the block (a list of one) replaces the bucket")

	domain := "aws:opensearch/domain:Domain"
	enc := func(key string) any { return map[string]any{"enabled": true, "kmsKeyId": key} }
	assert.True(t, ReplacesChange(domain, "encryptAtRest", enc("key-a"), enc("key-b"), false), "another KMS key replaces the domain")
	assert.True(t, ReplacesChange(domain, "encryptAtRest", enc("key-a"), nil, true), "an unknown key may be another one")
	vpc := func(subnets ...any) any {
		return map[string]any{"subnetIds": subnets, "securityGroupIds": []any{"sg-1"}}
	}
	assert.False(t, ReplacesChange(domain, "vpcOptions", vpc("a", "b"), vpc("a", "b", "c"), false), "new subnets are an in-place update")

	stream := "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
	dest := func(mode string, subnets ...any) any {
		return map[string]any{
			"indexName": "audit", "retryDuration": 7200.0, "s3BackupMode": mode,
			"vpcConfig": map[string]any{"roleArn": "r", "securityGroupIds": []any{"sg-1"}, "subnetIds": subnets},
		}
	}
	assert.True(t, ReplacesChange(stream, "opensearchConfiguration", dest("AllDocuments", "a"), dest("FailedDocumentsOnly", "a"), false), "the backup mode is fixed at creation")
	assert.True(t, ReplacesChange(stream, "opensearchConfiguration", dest("AllDocuments", "a"), dest("AllDocuments", "a", "b"), false), "the delivery VPC is fixed at creation")
	changed := dest("AllDocuments", "a").(map[string]any)
	changed["retryDuration"] = 300.0
	assert.False(t, ReplacesChange(stream, "opensearchConfiguration", dest("AllDocuments", "a"), changed, false), "retries update in place")
	partitioning := func(on bool) any {
		return map[string]any{"bucketArn": "b", "dynamicPartitioningConfiguration": map[string]any{"enabled": on}}
	}
	assert.True(t, ReplacesChange(stream, "extendedS3Configuration", partitioning(false), partitioning(true), false), "turning dynamic partitioning on replaces the stream")
}

// TestApplyMergesObjects: a computed attribute inside an input object
// (EKS's cluster security group in vpcConfig) joins the inputs' keys; a
// preview gets it unknown.
func TestApplyMergesObjects(t *testing.T) {
	inputs := map[string]any{"name": "platform-prod-use1-eks", "vpcConfig": map[string]any{"subnetIds": []any{"a", "b", "c"}}}
	state := resource.NewPropertyMapFromMap(inputs)
	Apply(state, Outputs("aws:eks/cluster:Cluster", ID("cluster"), "us-east-1", "123456789012", inputs), false)
	vpc := state["vpcConfig"].ObjectValue()
	assert.Len(t, vpc["subnetIds"].ArrayValue(), 3, "the inputs stay")
	assert.True(t, strings.HasPrefix(vpc["clusterSecurityGroupId"].StringValue(), "sg-"))
	assert.Contains(t, state["endpoint"].StringValue(), ".gr7.us-east-1.eks.amazonaws.com")

	preview := resource.NewPropertyMapFromMap(inputs)
	Apply(preview, Outputs("aws:eks/cluster:Cluster", "", "", "", inputs), true)
	assert.True(t, preview["vpcConfig"].ObjectValue()["clusterSecurityGroupId"].IsComputed())
	assert.True(t, preview["endpoint"].IsComputed())
	assert.Len(t, preview["vpcConfig"].ObjectValue()["subnetIds"].ArrayValue(), 3)
}
