package config

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validPrimary is a complete production primary config, as raw strings the
// way the Pulumi CLI passes them.
func validPrimary() map[string]string {
	return map[string]string{
		"role":       "primary",
		"region":     "us-east-1",
		"accountId":  "111122223333",
		"drRegion":   "us-west-2",
		"tags":       `{"environment":"production","owner":"platform-team","costCenter":"cc-1042","dataClassification":"restricted"}`,
		"network":    `{"azs":["us-east-1a","us-east-1b","us-east-1c"],"vpcCidr":"10.10.0.0/16"}`,
		"database":   `{"engineVersion":"16.4"}`,
		"cache":      `{"engineVersion":"7.1"}`,
		"backup":     `{"vaultLock":"governance"}`,
		"identity":   identityJSON,
		"cluster":    clusterJSON,
		"baseline":   `{` + falcoNamespace + `,"applications":[{"name":"mita"}]}`,
		"monitoring": monitoringJSON,
		"logging":    loggingJSON,
		"tracing":    tracingJSON,
		"synthetics": syntheticsJSON,
		"chaos":      chaosJSON,
		"cost":       `{"monthlyBudgetUsd":3500,"teams":["mita"]}`,
	}
}

// loggingJSON, tracingJSON, syntheticsJSON and chaosJSON are valid
// platform:logging, tracing, synthetics and chaos.
const (
	loggingJSON = `{"charts":{"loki":{"repository":"https://grafana.github.io/helm-charts","version":"7.3.0"},` +
		`"fluent-bit":{"repository":"https://fluent.github.io/helm-charts","version":"0.58.1"}},` +
		`"search":{"enabled":true,"engineVersion":"OpenSearch_2.19","instanceType":"r7g.large.search","masterType":"m7g.large.search"}}`
	tracingJSON = `{"charts":{"opentelemetry-collector":{"repository":"https://open-telemetry.github.io/opentelemetry-helm-charts","version":"0.170.0"},` +
		`"tempo-distributed":{"repository":"https://grafana-community.github.io/helm-charts","version":"2.26.2"}}}`
	syntheticsJSON = `{"canaries":[{"name":"api-health","url":"https://api.example.com/healthz"}]}`
	chaosJSON      = `{"experiments":{"nodeTermination":{"stopAlarms":["api-health"]},"databaseFailover":{"stopAlarms":["api-health"]},` +
		`"azImpairment":{"az":"us-east-1a","stopAlarms":["api-health"]}}}`
)

// falcoNamespace is the security namespace's privileged level, which
// Falco needs.
const falcoNamespace = `"platform":{"security":{"podSecurity":"privileged","reason":"Falco's eBPF probe"},` +
	`"logging":{"podSecurity":"privileged","reason":"node-exporter"}}`

// monitoringJSON is a valid platform:monitoring.
const monitoringJSON = `{"chart":{"repository":"https://prometheus-community.github.io/helm-charts","version":"88.5.3"},` +
	`"runbookBaseUrl":"https://github.com/acme/platform/blob/main/docs/runbooks/",` +
	`"slos":[{"service":"mita-backend","availability":99.9,"latency":95}]}`

const clusterJSON = `{"version":"1.35","amiReleaseVersion":"1.35.0-20261110",` +
	`"nodeGroups":{"system":{"instanceTypes":["m7g.large"]},"spot":{"instanceTypes":["m7g.xlarge","m6g.xlarge","m8g.xlarge"]}},` +
	`"addons":{"vpc-cni":"v1.20.4-eksbuild.1","kube-proxy":"v1.35.0-eksbuild.2","eks-pod-identity-agent":"v1.3.8-eksbuild.2",` +
	`"coredns":"v1.12.4-eksbuild.1","aws-ebs-csi-driver":"v1.48.0-eksbuild.1"},` +
	`"charts":{"aws-load-balancer-controller":{"repository":"https://aws.github.io/eks-charts","version":"3.5.0"},` +
	`"external-dns":{"repository":"https://kubernetes-sigs.github.io/external-dns/","version":"1.21.1"},` +
	`"external-secrets":{"repository":"https://charts.external-secrets.io","version":"2.9.0"},` +
	`"cluster-autoscaler":{"repository":"https://kubernetes.github.io/autoscaler","version":"9.59.0"},` +
	`"metrics-server":{"repository":"https://kubernetes-sigs.github.io/metrics-server/","version":"3.13.1"},` +
	`"falco":{"repository":"https://falcosecurity.github.io/charts","version":"9.1.0"}}}`

// withCluster replaces one part of the valid cluster config.
func withCluster(t *testing.T, edit func(c map[string]any)) map[string]string {
	t.Helper()
	var c map[string]any
	require.NoError(t, json.Unmarshal([]byte(clusterJSON), &c))
	edit(c)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	return with(validPrimary(), "cluster", string(b))
}

func init() {
	// Support dates are judged on a fixed day, so these tests do not
	// depend on when they run.
	Today = func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }
}

const identityJSON = `{"adminPrincipals":["arn:aws:iam::111122223333:role/sso-admins"],` +
	`"auditorPrincipals":["arn:aws:iam::111122223333:role/sso-auditors"],` +
	`"breakGlassPrincipals":["arn:aws:iam::111122223333:user/break-glass"],` +
	`"github":{"repository":"acme/platform"}}`

func with(base map[string]string, key, value string) map[string]string {
	out := maps.Clone(base)
	if value == "" {
		delete(out, key)
	} else {
		out[key] = value
	}
	return out
}

func TestParseAppliesDefaults(t *testing.T) {
	c, err := Parse(validPrimary())
	require.NoError(t, err)
	assert.True(t, c.ProtectStateful(), "protection is on unless turned off")
	assert.Equal(t, NatPerAZ, c.Network.NatMode)
	assert.Equal(t, 365, c.Network.FlowLogRetentionDays)
	assert.Equal(t, 30, c.KMS.DeletionWindowDays)
	assert.Equal(t, Storage{
		ObjectLockRetentionDays:         365,
		TransitionToIADays:              30,
		TransitionToGlacierDays:         90,
		NoncurrentVersionExpirationDays: 365,
		AccessLogExpirationDays:         400,
	}, c.Storage)
	assert.True(t, c.IsProduction())
	assert.Equal(t, "db.r6g.xlarge", c.Database.InstanceClass)
	assert.Equal(t, 14, c.Database.BackupRetentionDays)
	assert.Equal(t, 1, *c.Database.ReadReplicas)
	assert.Equal(t, "cache.r6g.large", c.Cache.NodeType)
	assert.Equal(t, 7, c.Cache.SnapshotRetentionDays)
	assert.False(t, *c.Database.ReadReplicaMultiAz, "cost lever: a read replica is Single-AZ unless configured")
	assert.Equal(t, Cost{MonthlyBudgetUsd: 3500, AnomalyThresholdUsd: 100, Teams: []string{"mita"}}, c.Cost)
	off := false
	assert.Equal(t, DR{InstanceClass: "db.r6g.xlarge", ReplicaMultiAz: &off, CacheNodeType: "cache.r6g.large", CacheReplicas: 1}, c.DR,
		"cost lever: the dr replica is Single-AZ until promotion")
	assert.Equal(t, Backup{VaultLock: "governance", MinRetentionDays: 7, MaxRetentionDays: 400}, c.Backup)
	assert.True(t, *c.Audit.Trail, "the primary owns the trail")
	assert.True(t, *c.Audit.RecordGlobalResources)
	assert.Equal(t, 2000, *c.Edge.RateLimit)
	assert.True(t, *c.Identity.PasswordPolicy)
	assert.Equal(t, "main", c.Identity.GitHub.Branch)
	assert.Equal(t, 30, c.Logging.RetentionDays, "a month of application logs")
	assert.Equal(t, 365, c.Logging.AuditRetentionDays)
	assert.Equal(t, 3, c.Logging.Search.Zones)
	assert.Equal(t, 3, c.Logging.Search.InstanceCount)
	assert.True(t, *c.Logging.Search.DedicatedMasters)
	assert.Equal(t, 14, c.Tracing.RetentionDays)
	assert.Equal(t, 3, c.Tracing.TempoReplicas)
	assert.Equal(t, "mita-backend", c.Tracing.APIService, "the first SLO service")
	assert.Equal(t, "rate(1 minute)", c.Synthetics.Canaries[0].Schedule)
	assert.Equal(t, 200, c.Synthetics.Canaries[0].ExpectStatus)
	assert.Equal(t, "ticket", c.Synthetics.Anomaly.Routes["errors"], "tickets unless routed to page")
	pods, err := Parse(with(validPrimary(), "chaos", `{"experiments":{"podDeletion":{"namespace":"mita","selector":"app=mita","stopAlarms":["api-health"]}}}`))
	require.NoError(t, err)
	assert.Equal(t, 50, pods.Chaos.Experiments.PodDeletion.Percent, "half the selected pods")
	one, err := Parse(with(validPrimary(), "chaos", `{"experiments":{"podDeletion":{"namespace":"mita","selector":"app=mita","count":1,"stopAlarms":["api-health"]},"cacheFailover":{"stopAlarms":["api-health"]}}}`))
	require.NoError(t, err)
	assert.Equal(t, 0, one.Chaos.Experiments.PodDeletion.Percent, "a count, no percent")
	assert.Equal(t, "us-east-1a", one.Chaos.Experiments.CacheFailover.AZ, "the first zone unless told")
	assert.Equal(t, SpotGroup, c.Chaos.Experiments.NodeTermination.NodeGroup)
	assert.Equal(t, 33, c.Chaos.Experiments.NodeTermination.Percent, "a third of the group")
	assert.Equal(t, "PT10M", c.Chaos.Experiments.AZImpairment.Duration)
	assert.Nil(t, c.Chaos.Experiments.CacheFailover)
}

func TestParseDR(t *testing.T) {
	raw := with(validPrimary(), "role", "dr")
	raw = with(raw, "region", "us-west-2")
	raw = with(raw, "drRegion", "")
	raw = with(raw, "primaryStack", "acme/platform/production")
	raw = with(raw, "identity", "")
	raw = with(raw, "chaos", "")
	raw = with(raw, "network", `{"azs":["us-west-2a","us-west-2b","us-west-2c"],"vpcCidr":"10.20.0.0/16"}`)
	c, err := Parse(raw)
	require.NoError(t, err)
	assert.Equal(t, "acme/platform/production", c.PrimaryStack)
}

func TestValidationErrors(t *testing.T) {
	nonProd := with(validPrimary(), "tags", `{"environment":"staging","owner":"o","costCenter":"c","dataClassification":"internal"}`)
	tests := []struct {
		name string
		raw  map[string]string
		want []string
	}{
		{"missing role", with(validPrimary(), "role", ""), []string{`role: is required: set "primary" or "dr"`}},
		{"no budget", with(validPrimary(), "cost", ""), []string{"cost.monthlyBudgetUsd: is required: the stack's monthly AWS budget in USD, above 0 (platform cost --stack NAME estimates the stack), got 0",
			"cost.teams: the primary stack's team cost category needs at least one team: declare services (their teams are the default) or list cost.teams"}},
		{"bad cost controls", with(validPrimary(), "cost", `{"monthlyBudgetUsd":-5,"anomalyThresholdUsd":-1,"teams":["mita","Mita","mita","platform"]}`), []string{
			"cost.monthlyBudgetUsd: is required: the stack's monthly AWS budget in USD, above 0 (platform cost --stack NAME estimates the stack), got -5",
			"cost.anomalyThresholdUsd: must be above 0 (USD of an anomaly's total impact), got -1",
			`cost.teams[1]: must be a team name (lower-case letters, digits, hyphens), got "Mita"`,
			`cost.teams[2]: "mita" is listed twice`,
			`cost.teams[3]: "platform" is the category's default value (shared costs): name the teams only`}},
		{"unknown role", with(validPrimary(), "role", "secondary"), []string{`role: must be "primary" or "dr", got "secondary"`}},
		{"bad region", with(validPrimary(), "region", "useast1"), []string{`region: must be an AWS region such as us-east-1, got "useast1"`}},
		{"bad account", with(validPrimary(), "accountId", "1234"), []string{`accountId: must be the 12-digit AWS account id, got "1234"`}},
		{"primary without dr region", with(validPrimary(), "drRegion", ""), []string{"drRegion: is required for the primary role: the region data is replicated to, such as us-west-2"}},
		{"dr region equals region", with(validPrimary(), "drRegion", "us-east-1"), []string{"drRegion: must differ from region (us-east-1): a replica in the same region survives no regional outage"}},
		{"dr without primary stack", with(with(validPrimary(), "role", "dr"), "drRegion", ""), []string{"primaryStack: is required for the dr role: the primary stack's fully qualified name, org/project/stack"}},
		{"primary stack not qualified", with(validPrimary(), "primaryStack", "production"), []string{`primaryStack: must be a fully qualified stack name org/project/stack, got "production"`}},
		{"protection off in production", with(validPrimary(), "protect", "false"), []string{"protect: must be true when tags.environment is production: stateful resources must not be deletable by a pulumi up"}},
		{"protect not a bool", with(validPrimary(), "protect", "yes"), []string{`protect: must be true or false, got "yes"`}},
		{"two azs", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b"],"vpcCidr":"10.10.0.0/16"}`), []string{"network.azs: need at least 3 availability zones, got 2"}},
		{"az of another region", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-west-2c"],"vpcCidr":"10.10.0.0/16"}`), []string{`network.azs[2]: must be an availability zone of us-east-1 such as us-east-1a, got "us-west-2c"`}},
		{"duplicate az", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-east-1a"],"vpcCidr":"10.10.0.0/16"}`), []string{`network.azs[2]: "us-east-1a" is listed twice`}},
		{"az letter out of plan", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-east-1g"],"vpcCidr":"10.10.0.0/16"}`), []string{`network.azs[2]: must end in a letter a to f (the subnet plan has room for six zones), got "us-east-1g"`}},
		{"missing cidr", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-east-1c"]}`), []string{"network.vpcCidr: is required: an RFC 1918 block such as 10.10.0.0/16"}},
		{"cidr too small", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-east-1c"],"vpcCidr":"10.10.0.0/24"}`), []string{"network.vpcCidr: must be a /16 to /20 (AWS allows /16 at most; the subnet plan needs /20 at least), got /24"}},
		{"cidr host bits", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-east-1c"],"vpcCidr":"10.10.1.0/16"}`), []string{"network.vpcCidr: has host bits set: use 10.10.0.0/16"}},
		{"public cidr", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-east-1c"],"vpcCidr":"8.8.0.0/16"}`), []string{`network.vpcCidr: must be inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, got "8.8.0.0/16"`}},
		{"single nat in production", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-east-1c"],"vpcCidr":"10.10.0.0/16","natMode":"single"}`), []string{"network.natMode: must be perAz in production: a single NAT gateway is a single point of failure"}},
		{"unknown nat mode", with(nonProd, "network", `{"azs":["us-east-1a","us-east-1b","us-east-1c"],"vpcCidr":"10.10.0.0/16","natMode":"none"}`), []string{`network.natMode: must be perAz or single, got "none"`}},
		{"retention not a cloudwatch value", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-east-1c"],"vpcCidr":"10.10.0.0/16","flowLogRetentionDays":100}`), []string{"network.flowLogRetentionDays: must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 100"}},
		{"short retention in production", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-east-1c"],"vpcCidr":"10.10.0.0/16","flowLogRetentionDays":90}`), []string{"network.flowLogRetentionDays: must be at least 365 in production (PCI DSS 10.5.1), got 90"}},
		{"typo in an object field", with(validPrimary(), "network", `{"azs":["us-east-1a","us-east-1b","us-east-1c"],"vpc_cidr":"10.10.0.0/16"}`), []string{`network: must be an object with the documented fields: unknown field "vpc_cidr"`}},
		{"wrong type in an object field", with(validPrimary(), "kms", `{"deletionWindowDays":"thirty"}`), []string{"kms: must be an object with the documented fields: field deletionWindowDays must be int, got string"}},
		{"unknown key", with(validPrimary(), "vpcCidr", "10.0.0.0/16"), []string{"vpcCidr: unknown key platform:vpcCidr; the keys are role, region, accountId, drRegion, primaryStack, protect, tags, network, kms, storage, database, cache, backup, dr, secrets, audit, edge, identity, cluster, baseline, monitoring, logging, tracing, synthetics, chaos, services, delivery, cost"}},
		{"kms window too short", with(nonProd, "kms", `{"deletionWindowDays":3}`), []string{"kms.deletionWindowDays: must be between 7 and 30, got 3"}},
		{"kms window short in production", with(validPrimary(), "kms", `{"deletionWindowDays":7}`), []string{"kms.deletionWindowDays: must be 30 in production, got 7"}},
		{"missing tags", with(validPrimary(), "tags", `{"environment":"production"}`), []string{
			"tags.owner: is required: every resource is tagged with it",
			"tags.costCenter: is required: every resource is tagged with it",
			"tags.dataClassification: is required: every resource is tagged with it",
		}},
		{"bad classification", with(validPrimary(), "tags", `{"environment":"production","owner":"o","costCenter":"c","dataClassification":"secret"}`), []string{`tags.dataClassification: must be one of public, internal, confidential, restricted, got "secret"`}},
		{"bad tag value", with(validPrimary(), "tags", `{"environment":"production","owner":"o;drop","costCenter":"c","dataClassification":"internal"}`), []string{`tags.owner: must use only letters, digits, spaces and _ . : / = + - @ (at most 256), got "o;drop"`}},
		{"backup retention below the production minimum", with(validPrimary(), "database", `{"engineVersion":"16.4","backupRetentionDays":7}`), []string{"database.backupRetentionDays: must be at least 14 in production, got 7"}},
		{"floating engine", with(validPrimary(), "database", `{"engineVersion":"16"}`), []string{`database.engineVersion: is required: a pinned PostgreSQL version such as 16.4, got "16"`}},
		{"lag alarm beyond the rpo", with(validPrimary(), "database", `{"engineVersion":"16.4","replicaLagAlarmSeconds":1800}`), []string{"database.replicaLagAlarmSeconds: must be under the 15-minute RPO (900), got 1800"}},
		{"cache without replicas", with(validPrimary(), "cache", `{"engineVersion":"7.1","replicas":-1,"snapshotRetentionDays":3}`), []string{
			"cache.replicas: must be 1 to 5 (a replica per shard for Multi-AZ failover), got -1",
			"cache.snapshotRetentionDays: must be at least 7 in production, got 3",
		}},
		{"unlocked vault in production", with(validPrimary(), "backup", ""), []string{"backup.vaultLock: is required in production: governance or compliance"}},
		{"unknown lock", with(validPrimary(), "backup", `{"vaultLock":"strict"}`), []string{`backup.vaultLock: must be governance or compliance, got "strict"`}},
		{"promote on the primary", with(validPrimary(), "dr", `{"promote":true}`), []string{
			"dr.promote: only the dr stack promotes its replica; the primary role has none",
			"dr.promote: there is no replica to promote without primaryStack, the replica's source",
		}},
		{"secret without rotation", with(validPrimary(), "secrets", `[{"name":"api","readerRoleArns":["arn:aws:iam::111122223333:role/api"],"rotationDays":365}]`), []string{
			"secrets[0].rotationLambdaArn: a rotation function and its role are required: secrets rotate",
			"secrets[0].rotationDays: must be at most 90, got 365",
		}},
		{"oidc subject wildcard", with(validPrimary(), "identity", strings.Replace(identityJSON, `"acme/platform"`, `"repo:*"`, 1)), []string{`identity.github.repository: must be owner/name without wildcards (the OIDC subject is scoped to it), got "repo:*"`}},
		{"no admins", with(validPrimary(), "identity", strings.Replace(identityJSON, `"arn:aws:iam::111122223333:role/sso-admins"`, ``, 1)), []string{"identity.adminPrincipals: name at least one IAM user or role ARN that may assume the role with MFA"}},
		{"wildcard principal", with(validPrimary(), "identity", strings.Replace(identityJSON, `role/sso-auditors`, `role/*`, 1)), []string{`identity.auditorPrincipals[0]: must be an IAM user or role ARN without wildcards, got "arn:aws:iam::111122223333:role/*"`}},
		{"rate limit of zero", with(validPrimary(), "edge", `{"rateLimit":0}`), []string{"edge.rateLimit: must be at least 100 requests per 5 minutes per IP (the AWS minimum), got 0"}},
		{"short audit retention", with(validPrimary(), "audit", `{"logRetentionDays":90}`), []string{"audit.logRetentionDays: audit logs are kept at least 365 days (PCI DSS 10.5.1), got 90"}},
		{"domain outside its zone", with(validPrimary(), "edge", `{"domain":"api.example.com","zoneName":"other.com"}`), []string{`edge.zoneName: "other.com" is not a parent of edge.domain "api.example.com"`}},
		{"storage rules", with(validPrimary(), "storage", `{"transitionToIaDays":10,"transitionToGlacierDays":20,"noncurrentVersionExpirationDays":30,"accessLogExpirationDays":7}`), []string{
			"storage.transitionToIaDays: must be at least 30 (the S3 minimum for Standard-IA), got 10",
			"storage.transitionToGlacierDays: must be at least 30 days after transitionToIaDays (10), got 20",
			"storage.noncurrentVersionExpirationDays: must be at least objectLockRetentionDays (365), got 30: locked versions cannot expire earlier",
			"storage.accessLogExpirationDays: must be at least 90 (PCI DSS 10.5.1 keeps three months at hand), got 7",
		}},
	}
	groups := func(c map[string]any) map[string]any { return c["nodeGroups"].(map[string]any) }
	tests = append(tests, []struct {
		name string
		raw  map[string]string
		want []string
	}{
		{"cluster open to the world", withCluster(t, func(c map[string]any) { c["publicAccessCidrs"] = []any{"203.0.113.0/24", "0.0.0.0/0"} }),
			[]string{"cluster.publicAccessCidrs[1]: 0.0.0.0/0 opens the Kubernetes API to the whole internet: name the networks that need it, or leave the list empty for a private endpoint"}},
		{"cluster version out of support", withCluster(t, func(c map[string]any) { c["version"] = "1.33" }),
			[]string{"cluster.version: 1.33 left standard support on 2026-07-29: upgrade to a supported version"}},
		{"cluster version unknown", withCluster(t, func(c map[string]any) { c["version"] = "1.29" }),
			[]string{"cluster.version: 1.29 has no known end of standard support; use one of 1.33, 1.34, 1.35, 1.36"}},
		{"spot with one type", withCluster(t, func(c map[string]any) { groups(c)["spot"] = map[string]any{"instanceTypes": []any{"m7g.xlarge"}} }),
			[]string{"cluster.nodeGroups.spot.instanceTypes: a spot group needs at least 3 instance types of one size, got 1"}},
		{"small system group", withCluster(t, func(c map[string]any) {
			groups(c)["system"] = map[string]any{"instanceTypes": []any{"m7g.large"}, "minSize": 2, "maxSize": 4}
		}), []string{"cluster.nodeGroups.system.minSize: the system group keeps at least 3 nodes, one per availability zone, got 2"}},
		{"unpinned add-on", withCluster(t, func(c map[string]any) { delete(c["addons"].(map[string]any), "coredns") }),
			[]string{"cluster.addons.coredns: is required: pin the add-on's version for Kubernetes 1.35"}},
		{"privileged application namespace", with(validPrimary(), "baseline", `{`+falcoNamespace+`,"applications":[{"name":"mita","podSecurity":"privileged","reason":"x"}]}`),
			[]string{"baseline.applications[0].podSecurity: application namespaces enforce restricted, got privileged"}},
		{"platform namespace without a reason", with(validPrimary(), "baseline", `{"platform":{"security":{"podSecurity":"privileged"},"logging":{"podSecurity":"privileged","reason":"x"}}}`),
			[]string{"baseline.platform.security.reason: say why the namespace needs Pod Security privileged rather than restricted"}},
		{"unknown platform namespace", with(validPrimary(), "baseline", `{"platform":{"payments":{},"security":{"podSecurity":"privileged","reason":"Falco"},"logging":{"podSecurity":"privileged","reason":"x"}}}`),
			[]string{"baseline.platform.payments: is not a platform namespace (monitoring, logging, security, external-secrets, ingress, autoscaling, delivery); applications go in baseline.applications"}},
		{"developer principal with a wildcard", with(validPrimary(), "baseline", `{`+falcoNamespace+`,"applications":[{"name":"mita","developers":["arn:aws:iam::123456789012:role/dev-*"]}]}`),
			[]string{`baseline.applications[0].developers[0]: must be an IAM role or user ARN without wildcards, got "arn:aws:iam::123456789012:role/dev-*"`}},
		{"unpinned chart", withCluster(t, func(c map[string]any) {
			charts := c["charts"].(map[string]any)
			charts["falco"] = map[string]any{"repository": "http://falcosecurity.github.io/charts", "version": "9.x"}
			delete(charts, "external-dns")
			charts["ingress-nginx"] = map[string]any{"repository": "https://kubernetes.github.io/ingress-nginx", "version": "4.0.0"}
		}), []string{
			"cluster.charts.external-dns: pin the chart: its repository and exact version",
			`cluster.charts.falco.repository: must be an https chart repository, got "http://falcosecurity.github.io/charts"`,
			`cluster.charts.falco.version: must be an exact chart version such as 1.2.3, not a range, got "9.x"`,
			"cluster.charts.ingress-nginx: not an add-on the platform installs (aws-load-balancer-controller, cluster-autoscaler, external-dns, external-secrets, falco, metrics-server)",
		}},
		{"node agents' namespaces not privileged", with(validPrimary(), "baseline", `{}`),
			[]string{
				`baseline.platform.logging.podSecurity: node-exporter runs in logging and needs privileged (with a reason), got "restricted"`,
				`baseline.platform.security.podSecurity: Falco runs in security and needs privileged (with a reason), got "restricted"`,
			}},
		{"bad monitoring", with(validPrimary(), "monitoring", `{"chart":{"repository":"https://prometheus-community.github.io/helm-charts","version":"88.5.3"},`+
			`"prometheus":{"volumeGi":50,"retentionSizeGi":60,"retention":"15 days"},"alertmanagerReplicas":1,"runbookBaseUrl":"http://wiki/runbooks",`+
			`"slos":[{"service":"mita-backend","availability":100,"latency":89,"latencyThresholdSeconds":"500ms"}]}`),
			[]string{
				`monitoring.prometheus.retention: a Prometheus duration in days, weeks or years such as 15d, got "15 days"`,
				"monitoring.prometheus.retentionSizeGi: must be below volumeGi (50) so the volume never fills, got 60",
				"monitoring.alertmanagerReplicas: at least 2 (3 recommended): one Alertmanager is a single point of failure for paging, got 1",
				`monitoring.runbookBaseUrl: the https URL of this repository's docs/runbooks/ (ending in /docs/runbooks/), got "http://wiki/runbooks"`,
				"monitoring.slos[0].availability: must be at least 90 and below 100 (a 100% objective has no error budget), got 100",
				"monitoring.slos[0].latency: must be at least 90 and below 100 (a 100% objective has no error budget), got 89",
				`monitoring.slos[0].latencyThresholdSeconds: a histogram bucket bound in seconds such as 0.5, got "500ms"`,
			}},
		{"bad services", with(validPrimary(), "services", `[{"name":"mita-backend","team":"mita","slo":{"availability":99.9,"latency":95}},`+
			`{"name":"payments","team":"mita","namespace":"payments","host":"pay.example.com","databaseUser":"Payments-User",`+
			`"secrets":[{"name":"provider"}]}]`),
			[]string{
				`services[0].name: "mita-backend" is declared twice (or also has SLOs in monitoring.slos)`,
				`services[0].host: a DNS name covered by the edge certificate (edge.domain by default), got ""`,
				`services[1].namespace: "payments" is not one of baseline.applications: add the namespace there first`,
				`services[1].slo: every service declares its objectives, e.g. slo: {availability: 99.9, latency: 95, latencyThresholdSeconds: "0.5"}: alerts, dashboards and the canary analysis are built from them`,
				`services[1].secrets[0].rotationLambdaArn: every secret rotates (control 61): the ARN of its rotation function, got ""`,
				`services[1].secrets[0].rotationRoleArn: the rotation function's IAM role ARN, got ""`,
				`services[1].databaseUser: a PostgreSQL user name (lower-case letters, digits, '_'), got "Payments-User"`,
				"delivery.charts.argo-cd: pin the chart: repository (https) and version",
				"delivery.charts.argo-rollouts: pin the chart: repository (https) and version",
				"delivery.charts.keda: pin the chart: repository (https) and version",
				`delivery.oidc.issuer: the https URL of the identity provider Argo CD signs in with (the local admin is disabled), got ""`,
				"delivery.oidc.clientId: the client id registered with the identity provider",
				"delivery.adminGroups: name the identity provider's group that administers Argo CD",
			}},
		{"search in two zones in production", with(validPrimary(), "logging", strings.Replace(loggingJSON, `"enabled":true`, `"enabled":true,"zones":2,"instanceCount":4,"dedicatedMasters":false`, 1)),
			[]string{
				"logging.search.zones: production spreads the domain over 3 availability zones, got 2",
				"logging.search.dedicatedMasters: production runs three dedicated master nodes",
			}},
		{"short audit retention", with(validPrimary(), "logging", strings.Replace(loggingJSON, `"search"`, `"auditRetentionDays":90,"retentionDays":400,"search"`, 1)),
			[]string{
				"logging.auditRetentionDays: audit and security logs are kept at least 365 days (PCI 10.5.1), got 90",
				"logging.retentionDays: between 1 and 365 days of application logs, got 400",
			}},
		{"bad search domain", with(nonProd, "logging", strings.Replace(strings.Replace(loggingJSON, `"enabled":true`, `"enabled":true,"zones":4,"instanceCount":5`, 1), "OpenSearch_2.19", "2.19", 1)),
			[]string{
				`logging.search.engineVersion: an OpenSearch version such as OpenSearch_2.19, got "2.19"`,
				"logging.search.zones: 2 or 3 availability zones, got 4",
				"logging.search.zones: the network has 3 availability zones, got 4",
				"logging.search.instanceCount: at least 3 data nodes and a multiple of zones (4), got 5",
			}},
		{"experiment without a stop condition", with(validPrimary(), "chaos", `{"experiments":{"databaseFailover":{},"cacheFailover":{"stopAlarms":["login"]}}}`),
			[]string{
				"chaos.experiments.databaseFailover.stopAlarms: an experiment needs a stop condition: name the canaries (synthetics.canaries) whose alarms stop it",
				`chaos.experiments.cacheFailover.stopAlarms: "login" is not a canary of synthetics.canaries`,
			}},
		{"bad experiment targets", with(validPrimary(), "chaos", `{"experiments":{"podDeletion":{"namespace":"payments","stopAlarms":["api-health"],"percent":150},"cacheFailover":{"az":"eu-west-1a","stopAlarms":["api-health"]},`+
			`"nodeTermination":{"nodeGroup":"gpu","stopAlarms":["api-health"]},"azImpairment":{"az":"us-west-2a","duration":"10m","stopAlarms":["api-health"]}}}`),
			[]string{
				`chaos.experiments.podDeletion.namespace: an application namespace of baseline.applications, got "payments"`,
				"chaos.experiments.podDeletion.selector: a label selector such as app.kubernetes.io/name=mita-backend",
				"chaos.experiments.podDeletion.percent: a percentage from 1 to 100, got 150",
				`chaos.experiments.cacheFailover.az: one of network.azs, got "eu-west-1a"`,
				`chaos.experiments.nodeTermination.nodeGroup: a node group of cluster.nodeGroups, got "gpu"`,
				`chaos.experiments.azImpairment.az: one of network.azs, got "us-west-2a"`,
				`chaos.experiments.azImpairment.duration: an ISO 8601 duration such as PT10M, got "10m"`,
			}},
		{"bad canaries and routes", with(validPrimary(), "synthetics", `{"canaries":[{"name":"api-health","url":"http://api.example.com"},`+
			`{"name":"API Health with a very long name","url":"https://x","schedule":"cron(0 * * * ? *)","expectStatus":42}],`+
			`"successThreshold":120,"anomaly":{"loadBalancer":"my-alb","routes":{"errors":"pager","disk":"page"}}}`),
			[]string{
				`synthetics.canaries[0].url: an https URL, got "http://api.example.com"`,
				`synthetics.canaries[1].name: lower-case letters, digits, - and _, at most 21 characters, got "API Health with a very long name"`,
				`synthetics.canaries[1].schedule: rate(1 minute) up to rate(60 minutes): the alarm evaluates one period per run, got "cron(0 * * * ? *)"`,
				"synthetics.canaries[1].expectStatus: an HTTP status, got 42",
				"synthetics.successThreshold: a percentage above 0, got 120",
				`synthetics.anomaly.loadBalancer: the load balancer's dimension app/<name>/<id>, got "my-alb"`,
				`synthetics.anomaly.routes.errors: page or ticket, got "pager"`,
				"synthetics.anomaly.routes.disk: not a signal; the signals are requests, errors, latency, dbConnections, dbCpu",
			}},
		{"unpinned tracing charts", with(validPrimary(), "tracing", `{"charts":{"opentelemetry-collector":{"repository":"https://open-telemetry.github.io/opentelemetry-helm-charts","version":"0.x"}},"tempoReplicas":2,"baselinePercent":120}`),
			[]string{
				`tracing.charts.opentelemetry-collector.version: must be an exact chart version such as 1.2.3, not a range, got "0.x"`,
				"tracing.charts.tempo-distributed: pin the chart: repository (https) and version",
				"tracing.tempoReplicas: at least 3 ingesters, one per zone (each trace is written to three), got 2",
				"tracing.baselinePercent: above 0 and at most 100, got 120",
			}},
		{"application namespace name taken", with(validPrimary(), "baseline", `{`+falcoNamespace+`,"applications":[{"name":"monitoring"},{"name":"Bad_Name"}]}`),
			[]string{`baseline.applications[0].name: "monitoring" is taken: a platform or system namespace`, `baseline.applications[1].name: must be a DNS label such as mita, got "Bad_Name"`}},
		{"no cluster", with(validPrimary(), "cluster", ""), []string{
			`cluster.version: is required: a pinned Kubernetes minor version such as 1.35, got ""`,
			"cluster.amiReleaseVersion: is required: pin the nodes' AMI release",
			"cluster.nodeGroups.system: is required: it runs the cluster's add-ons",
			"cluster.addons.vpc-cni: is required: pin the add-on's version for Kubernetes ",
			"cluster.addons.kube-proxy: is required: pin the add-on's version for Kubernetes ",
			"cluster.addons.eks-pod-identity-agent: is required: pin the add-on's version for Kubernetes ",
			"cluster.addons.coredns: is required: pin the add-on's version for Kubernetes ",
			"cluster.addons.aws-ebs-csi-driver: is required: pin the add-on's version for Kubernetes ",
			"cluster.charts.aws-load-balancer-controller: pin the chart: its repository and exact version",
			"cluster.charts.cluster-autoscaler: pin the chart: its repository and exact version",
			"cluster.charts.external-dns: pin the chart: its repository and exact version",
			"cluster.charts.external-secrets: pin the chart: its repository and exact version",
			"cluster.charts.falco: pin the chart: its repository and exact version",
			"cluster.charts.metrics-server: pin the chart: its repository and exact version",
		}},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.raw)
			require.Error(t, err)
			assert.ElementsMatch(t, tt.want, messages(err))
		})
	}
}

// TestEveryErrorIsReported checks that problems in several fields come
// back together, not one per run.
func TestEveryErrorIsReported(t *testing.T) {
	raw := with(validPrimary(), "accountId", "x")
	raw = with(raw, "network", `{"azs":["us-east-1a"],"vpcCidr":"bad"}`)
	_, err := Parse(raw)
	require.Error(t, err)
	assert.ElementsMatch(t, []string{
		`accountId: must be the 12-digit AWS account id, got "x"`,
		"network.azs: need at least 3 availability zones, got 1",
		`network.vpcCidr: must be a CIDR block such as 10.10.0.0/16, got "bad"`,
	}, messages(err))
}

func TestFieldPathsAreTyped(t *testing.T) {
	_, err := Parse(with(validPrimary(), "accountId", "x"))
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "accountId", fe.Path)
}

func TestKeysMatchStruct(t *testing.T) {
	// Every top-level JSON field of StackConfig is a key Load reads.
	b, err := json.Marshal(StackConfig{})
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(b, &fields))
	assert.ElementsMatch(t, Keys(), mapsKeys(fields))
}

func mapsKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func messages(err error) []string {
	var out []string
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}
