// Package cache owns the platform's ElastiCache Redis: a Multi-AZ
// replication group with automatic failover, encrypted at rest (data key)
// and in transit, logs to KMS-encrypted CloudWatch log groups, and alarms.
//
// Authentication uses ElastiCache RBAC with IAM authentication: clients
// connect as an IAM-authenticated user (their IAM role signs a short-lived
// token), and the mandatory "default" user is disabled. No password or AUTH
// token exists at all, so none can leak through config or state; that is
// why RBAC was chosen over an AUTH token from Secrets Manager.
package cache

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/observability"
	"platform/internal/naming"
)

// CacheArgs configure the cache.
type CacheArgs struct {
	// Namer gives the identifiers.
	Namer naming.Namer
	// EngineVersion is the pinned Redis version, such as "7.1".
	EngineVersion string
	// NodeType is the node size (production: Graviton, cache.r6g.large).
	NodeType string
	// Replicas per shard, spread across AZs; at least 1 for failover.
	Replicas int
	// VpcID and SubnetGroupName place the cache in the data tier.
	VpcID           pulumi.StringInput
	SubnetGroupName pulumi.StringInput
	// ClientCidrs may connect on 6379: the private (workload) tier.
	ClientCidrs []string
	// DataKmsKeyArn encrypts data at rest; LogsKmsKeyArn the log groups.
	DataKmsKeyArn pulumi.StringInput
	LogsKmsKeyArn pulumi.StringInput
	// SnapshotRetentionDays of daily snapshots.
	SnapshotRetentionDays int
	// SnapshotWindow and MaintenanceWindow in UTC, not overlapping.
	SnapshotWindow    string
	MaintenanceWindow string
	// LogRetentionDays of slow and engine logs.
	LogRetentionDays int
	// AlarmTopicArn receives every alarm.
	AlarmTopicArn pulumi.StringInput
	// ApplicationUser is the IAM-authenticated RBAC user the workloads
	// connect as.
	ApplicationUser string
	// Protect turns on pulumi.Protect for the replication group: a
	// replacement would start the platform on a cold cache.
	Protect bool
}

// Defaults.
const (
	DefaultReplicas              = 1
	DefaultSnapshotRetentionDays = 7
	DefaultSnapshotWindow        = "05:00-06:00"
	DefaultMaintenanceWindow     = "sun:06:30-sun:07:30"
	DefaultLogRetentionDays      = 365
	DefaultApplicationUser       = "app"
	// Port is Redis's.
	Port = 6379
	// replicationLagAlarmSeconds pages long before the cache's replicas
	// serve stale data for long.
	replicationLagAlarmSeconds = 30
)

var (
	versionPattern = regexp.MustCompile(`^([0-9])\.[0-9]+$`)
	nodePattern    = regexp.MustCompile(`^cache\.[a-z0-9]+\.[a-z0-9]+$`)
	userPattern    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,29}$`)
)

func (a CacheArgs) withDefaults() CacheArgs {
	if a.Replicas == 0 {
		a.Replicas = DefaultReplicas
	}
	if a.SnapshotRetentionDays == 0 {
		a.SnapshotRetentionDays = DefaultSnapshotRetentionDays
	}
	if a.SnapshotWindow == "" {
		a.SnapshotWindow = DefaultSnapshotWindow
	}
	if a.MaintenanceWindow == "" {
		a.MaintenanceWindow = DefaultMaintenanceWindow
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = DefaultLogRetentionDays
	}
	if a.ApplicationUser == "" {
		a.ApplicationUser = DefaultApplicationUser
	}
	return a
}

// Validate reports every problem of defaulted args with its field path.
func (a CacheArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if !versionPattern.MatchString(a.EngineVersion) {
		add("engineVersion: must be a pinned Redis version such as 7.1, got %q", a.EngineVersion)
	}
	if !nodePattern.MatchString(a.NodeType) {
		add("nodeType: must be an ElastiCache node type such as cache.r6g.large, got %q", a.NodeType)
	}
	if a.Replicas < 1 || a.Replicas > 5 {
		add("replicas: must be 1 to 5 (at least one replica for Multi-AZ failover), got %d", a.Replicas)
	}
	if a.VpcID == nil || a.SubnetGroupName == nil {
		add("vpcId, subnetGroupName: are required: the cache lives in the data subnets")
	}
	if len(a.ClientCidrs) == 0 {
		add("clientCidrs: name the workload tier's CIDRs that may connect")
	}
	for i, c := range a.ClientCidrs {
		if p, err := netip.ParsePrefix(c); err != nil || p.Bits() == 0 {
			add("clientCidrs[%d]: must be a private CIDR block, got %q", i, c)
		}
	}
	if a.DataKmsKeyArn == nil || a.LogsKmsKeyArn == nil {
		add("dataKmsKeyArn, logsKmsKeyArn: customer-managed keys are required")
	}
	if a.SnapshotRetentionDays < 1 || a.SnapshotRetentionDays > 35 {
		add("snapshotRetentionDays: must be 1 to 35, got %d", a.SnapshotRetentionDays)
	}
	if a.AlarmTopicArn == nil {
		add("alarmTopicArn: is required: alarms must reach someone")
	}
	if !userPattern.MatchString(a.ApplicationUser) || a.ApplicationUser == "default" {
		add("applicationUser: must be a lower-case name other than default, got %q", a.ApplicationUser)
	}
	return errors.Join(errs...)
}

// Cache is the replication group and its users.
type Cache struct {
	pulumi.ResourceState

	// ReplicationGroupID and PrimaryEndpoint are what clients use.
	ReplicationGroupID pulumi.StringOutput
	PrimaryEndpoint    pulumi.StringOutput
	// UserGroupID holds the application user.
	UserGroupID pulumi.StringOutput
	// SecurityGroupID admits clients.
	SecurityGroupID pulumi.StringOutput
}

// NewCache creates the cache.
func NewCache(ctx *pulumi.Context, name string, args *CacheArgs, opts ...pulumi.ResourceOption) (*Cache, error) {
	if args == nil {
		args = &CacheArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("cache %s: %w", name, err)
	}
	c := &Cache{}
	inputs := pulumi.Map{
		"engineVersion": pulumi.String(a.EngineVersion),
		"nodeType":      pulumi.String(a.NodeType),
		"replicas":      pulumi.Int(a.Replicas),
	}
	if err := ctx.RegisterComponentResourceV2("platform:cache:Cache", name, inputs, c, opts...); err != nil {
		return nil, err
	}
	if err := build(ctx, name, a, c); err != nil {
		return nil, fmt.Errorf("cache %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"replicationGroupId": c.ReplicationGroupID, "primaryEndpoint": c.PrimaryEndpoint, "userGroupId": c.UserGroupID,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// GroupID is the replication group id a namer gives the cache.
func GroupID(n naming.Namer) string { return n.Name(naming.CacheIdentifier, "redis") }

func build(ctx *pulumi.Context, name string, a CacheArgs, c *Cache) error {
	parent := pulumi.Parent(c)
	n := a.Namer
	id := GroupID(n)
	major := versionPattern.FindStringSubmatch(a.EngineVersion)[1]

	cidrs := pulumi.StringArray{}
	for _, cidr := range a.ClientCidrs {
		cidrs = append(cidrs, pulumi.String(cidr))
	}
	sg, err := ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Name:        pulumi.String(n.Name(naming.Generic, "redis")),
		Description: pulumi.String("Redis: connections from the workload tier only"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("Redis TLS from the private (workload) subnets"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(Port),
			ToPort:      pulumi.Int(Port),
			CidrBlocks:  cidrs,
		}},
		Egress: ec2.SecurityGroupEgressArray{},
	}, parent)
	if err != nil {
		return err
	}
	c.SecurityGroupID = sg.ID().ToStringOutput()

	params, err := elasticache.NewParameterGroup(ctx, name, &elasticache.ParameterGroupArgs{
		Name:        pulumi.String(n.Name(naming.CacheIdentifier, "redis"+major)),
		Family:      pulumi.String("redis" + major),
		Description: pulumi.String("Platform Redis " + major),
		Parameters: elasticache.ParameterGroupParameterArray{
			// Keys expire instead of evicting arbitrary ones under pressure.
			elasticache.ParameterGroupParameterArgs{Name: pulumi.String("maxmemory-policy"), Value: pulumi.String("volatile-lru")},
		},
	}, parent)
	if err != nil {
		return err
	}

	logs := elasticache.ReplicationGroupLogDeliveryConfigurationArray{}
	for _, kind := range []string{"slow-log", "engine-log"} {
		g, err := cloudwatch.NewLogGroup(ctx, name+"-"+kind, &cloudwatch.LogGroupArgs{
			Name:            pulumi.String(n.Name(naming.LogGroup, "redis", kind)),
			RetentionInDays: pulumi.Int(a.LogRetentionDays),
			KmsKeyId:        a.LogsKmsKeyArn,
		}, parent)
		if err != nil {
			return err
		}
		logs = append(logs, elasticache.ReplicationGroupLogDeliveryConfigurationArgs{
			Destination:     g.Name,
			DestinationType: pulumi.String("cloudwatch-logs"),
			LogFormat:       pulumi.String("json"),
			LogType:         pulumi.String(kind),
		})
	}

	// RBAC: the mandatory "default" user is switched off; the application
	// user authenticates with IAM (its user id must equal its name).
	defaultUser, err := elasticache.NewUser(ctx, name+"-default", &elasticache.UserArgs{
		UserId:             pulumi.String(n.Name(naming.CacheIdentifier, "redis-default")),
		UserName:           pulumi.String("default"),
		Engine:             pulumi.String("redis"),
		AccessString:       pulumi.String("off -@all"),
		AuthenticationMode: elasticache.UserAuthenticationModeArgs{Type: pulumi.String("no-password-required")},
	}, parent)
	if err != nil {
		return err
	}
	appID := n.Name(naming.CacheIdentifier, "redis", a.ApplicationUser)
	appUser, err := elasticache.NewUser(ctx, name+"-"+a.ApplicationUser, &elasticache.UserArgs{
		UserId:             pulumi.String(appID),
		UserName:           pulumi.String(appID),
		Engine:             pulumi.String("redis"),
		AccessString:       pulumi.String("on ~* +@all -@dangerous"),
		AuthenticationMode: elasticache.UserAuthenticationModeArgs{Type: pulumi.String("iam")},
	}, parent)
	if err != nil {
		return err
	}
	group, err := elasticache.NewUserGroup(ctx, name, &elasticache.UserGroupArgs{
		UserGroupId: pulumi.String(n.Name(naming.CacheIdentifier, "redis-users")),
		Engine:      pulumi.String("redis"),
		UserIds:     pulumi.StringArray{defaultUser.UserId, appUser.UserId},
	}, parent)
	if err != nil {
		return err
	}
	c.UserGroupID = group.UserGroupId

	rg, err := elasticache.NewReplicationGroup(ctx, name, &elasticache.ReplicationGroupArgs{
		ReplicationGroupId:        pulumi.String(id),
		Description:               pulumi.String("Platform Redis"),
		Engine:                    pulumi.String("redis"),
		EngineVersion:             pulumi.String(a.EngineVersion),
		NodeType:                  pulumi.String(a.NodeType),
		NumNodeGroups:             pulumi.Int(1),
		ReplicasPerNodeGroup:      pulumi.Int(a.Replicas),
		MultiAzEnabled:            pulumi.Bool(true),
		AutomaticFailoverEnabled:  pulumi.Bool(true),
		SubnetGroupName:           a.SubnetGroupName,
		SecurityGroupIds:          pulumi.StringArray{sg.ID().ToStringOutput()},
		ParameterGroupName:        params.Name,
		Port:                      pulumi.Int(Port),
		AtRestEncryptionEnabled:   pulumi.Bool(true),
		KmsKeyId:                  a.DataKmsKeyArn,
		TransitEncryptionEnabled:  pulumi.Bool(true),
		TransitEncryptionMode:     pulumi.String("required"),
		UserGroupIds:              pulumi.StringArray{group.UserGroupId},
		SnapshotRetentionLimit:    pulumi.Int(a.SnapshotRetentionDays),
		SnapshotWindow:            pulumi.String(a.SnapshotWindow),
		MaintenanceWindow:         pulumi.String(a.MaintenanceWindow),
		AutoMinorVersionUpgrade:   pulumi.Bool(true),
		ApplyImmediately:          pulumi.Bool(false),
		FinalSnapshotIdentifier:   pulumi.String(id + "-final"),
		LogDeliveryConfigurations: logs,
		NotificationTopicArn:      a.AlarmTopicArn,
	}, parent, pulumi.Protect(a.Protect))
	if err != nil {
		return err
	}
	c.ReplicationGroupID = rg.ReplicationGroupId
	c.PrimaryEndpoint = rg.PrimaryEndpointAddress

	dims := map[string]pulumi.StringInput{"ReplicationGroupId": pulumi.String(id)}
	return observability.NewAlarms(ctx, name, a.AlarmTopicArn, []observability.Alarm{
		{Suffix: "cpu", Description: "Redis host CPU above 80%", Namespace: "AWS/ElastiCache", Metric: "CPUUtilization", Statistic: "Average", Comparison: "GreaterThanThreshold", Threshold: 80, Dimensions: dims},
		{Suffix: "engine-cpu", Description: "Redis engine thread above 80% (it is single-threaded)", Namespace: "AWS/ElastiCache", Metric: "EngineCPUUtilization", Statistic: "Average", Comparison: "GreaterThanThreshold", Threshold: 80, Dimensions: dims},
		{Suffix: "memory", Description: "Redis memory above 85% of maxmemory", Namespace: "AWS/ElastiCache", Metric: "DatabaseMemoryUsagePercentage", Statistic: "Average", Comparison: "GreaterThanThreshold", Threshold: 85, Dimensions: dims},
		{Suffix: "evictions", Description: "Redis is evicting keys", Namespace: "AWS/ElastiCache", Metric: "Evictions", Statistic: "Sum", Comparison: "GreaterThanThreshold", Threshold: 0, Dimensions: dims},
		{Suffix: "replication-lag", Description: "Redis replicas more than 30 s behind", Namespace: "AWS/ElastiCache", Metric: "ReplicationLag", Statistic: "Maximum", Comparison: "GreaterThanThreshold", Threshold: replicationLagAlarmSeconds, Periods: 3, Dimensions: dims},
	}, parent)
}
