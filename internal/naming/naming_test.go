package naming

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var prod = Namer{Project: "platform", Environment: "production", Region: "us-east-1", AccountID: "111122223333"}

func TestRegionCode(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1":      "use1",
		"us-west-2":      "usw2",
		"eu-central-1":   "euc1",
		"ap-southeast-2": "apse2",
		"us-gov-west-1":  "usgovw1",
	} {
		assert.Equal(t, want, RegionCode(region), region)
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		name  string
		namer Namer
		svc   Service
		parts []string
		want  string
	}{
		{"s3 gets the account for global uniqueness", prod, S3Bucket, []string{"data"}, "platform-prod-use1-data-111122223333"},
		{"s3 is lower-cased and sanitised", prod, S3Bucket, []string{"Audit_Logs"}, "platform-prod-use1-audit-logs-111122223333"},
		{"iam role keeps case", prod, IAMRole, []string{"FlowLogs"}, "platform-prod-use1-FlowLogs"},
		{"kms alias has its prefix", prod, KMSAlias, []string{"data"}, "alias/platform-prod-use1-data"},
		{"log group is a path", prod, LogGroup, []string{"vpc", "flow-logs"}, "/platform/prod/use1/vpc/flow-logs"},
		{"dr region differs", prod.InRegion("us-west-2"), S3Bucket, []string{"data"}, "platform-prod-usw2-data-111122223333"},
		{"unknown environment is kept", Namer{Project: "platform", Environment: "qa", Region: "us-east-1"}, Generic, []string{"vpc"}, "platform-qa-use1-vpc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.namer.Name(tt.svc, tt.parts...))
		})
	}
}

func TestNameRespectsLimits(t *testing.T) {
	long := strings.Repeat("replication-destination-", 5)
	for _, svc := range []Service{S3Bucket, IAMRole, KMSAlias, DBIdentifier, CacheIdentifier} {
		t.Run(svc.Name, func(t *testing.T) {
			got := prod.Name(svc, long)
			require.LessOrEqual(t, len(got), svc.MaxLen)
			assert.False(t, strings.HasSuffix(got, "-"), got)
			assert.Empty(t, svc.Invalid.FindString(strings.TrimPrefix(got, svc.Prefix)), "no invalid characters in %q", got)
			// Cutting must keep names unique: another long name differs.
			assert.NotEqual(t, got, prod.Name(svc, long+"x"))
			// And stable: the same input gives the same name.
			assert.Equal(t, got, prod.Name(svc, long))
		})
	}
}

func TestARN(t *testing.T) {
	assert.Equal(t, "arn:aws:logs:us-east-1:111122223333:log-group:x", prod.ARN("logs", "log-group:x"))
	assert.Equal(t, "arn:aws:iam::111122223333:root", prod.ARN("iam", "root"))
	assert.Equal(t, "arn:aws:s3:::bucket", prod.ARN("s3", "bucket"))
}

func TestMergeTags(t *testing.T) {
	base := map[string]string{"a": "1", "b": "2"}
	got := MergeTags(base, map[string]string{"b": "3", "c": "4"})
	assert.Equal(t, map[string]string{"a": "1", "b": "3", "c": "4"}, got)
	assert.Equal(t, "2", base["b"], "inputs are not modified")
}

func TestValidTagValue(t *testing.T) {
	assert.True(t, ValidTagValue("cost center: 42/a+b@c"))
	assert.False(t, ValidTagValue("semi;colon"))
	assert.False(t, ValidTagValue(strings.Repeat("x", 257)))
}
