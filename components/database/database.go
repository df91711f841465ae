package database

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/observability"
	"platform/internal/naming"
	"platform/internal/policydoc"
)

// Database is a PostgreSQL instance with its replicas.
type Database struct {
	pulumi.ResourceState

	// Arn and Identifier of the primary (or, in the dr stack, the replica).
	Arn        pulumi.StringOutput
	Identifier pulumi.StringOutput
	// ResourceID is the instance's DbiResourceId, which IAM database
	// authentication grants name (rds-db:connect).
	ResourceID pulumi.StringOutput
	// Address is the DNS name clients connect to.
	Address pulumi.StringOutput
	// SecurityGroupID admits clients; workloads' groups may be added later.
	SecurityGroupID pulumi.StringOutput
	// ReplicaIdentifiers of the in-region read replicas.
	ReplicaIdentifiers pulumi.StringArrayOutput
}

// Alarm thresholds that do not depend on the instance class.
const (
	cpuAlarmPercent        = 80
	freeMemoryAlarmBytes   = 1 << 30 // 1 GiB
	freeStorageAlarmShare  = 0.10    // 10% of allocated storage
	connectionsAlarmCount  = 500
	monitoringPolicyArn    = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
	masterUsername         = "platform_admin"
	performanceInsightDays = 7
)

// NewDatabase creates the database. In replica mode (ReplicaOf set) the
// instance replicates from another region; without it, it is a primary.
func NewDatabase(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	if args == nil {
		args = &DatabaseArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("database %s: %w", name, err)
	}
	d := &Database{}
	inputs := pulumi.Map{
		"engineVersion": pulumi.String(a.EngineVersion),
		"instanceClass": pulumi.String(a.InstanceClass),
		"multiAz":       pulumi.Bool(*a.MultiAZ),
		"readReplicas":  pulumi.Int(a.ReadReplicas),
		"replica":       pulumi.Bool(a.ReplicaOf != nil),
		"protect":       pulumi.Bool(a.Protect),
	}
	if err := ctx.RegisterComponentResourceV2("platform:database:Database", name, inputs, d, opts...); err != nil {
		return nil, err
	}
	if err := build(ctx, name, a, d); err != nil {
		return nil, fmt.Errorf("database %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"arn": d.Arn, "identifier": d.Identifier, "address": d.Address, "securityGroupId": d.SecurityGroupID,
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// Identifier is the instance identifier a namer gives the database. It
// depends only on the namer, so no config change renames (replaces) it.
func Identifier(n naming.Namer) string { return n.Name(naming.DBIdentifier, "postgres") }

func build(ctx *pulumi.Context, name string, a DatabaseArgs, d *Database) error {
	parent := pulumi.Parent(d)
	n := a.Namer
	id := Identifier(n)
	major := MajorVersion(a.EngineVersion)

	cidrs := pulumi.StringArray{}
	for _, c := range a.ClientCidrs {
		cidrs = append(cidrs, pulumi.String(c))
	}
	sg, err := ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Name:        pulumi.String(n.Name(naming.Generic, "postgres")),
		Description: pulumi.String("PostgreSQL: connections from the workload tier only"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("PostgreSQL from the private (workload) subnets"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(Port),
			ToPort:      pulumi.Int(Port),
			CidrBlocks:  cidrs,
		}},
		Egress: ec2.SecurityGroupEgressArray{}, // a database only answers
	}, parent)
	if err != nil {
		return err
	}
	d.SecurityGroupID = sg.ID().ToStringOutput()

	params, err := rds.NewParameterGroup(ctx, name, &rds.ParameterGroupArgs{
		Name:        pulumi.String(n.Name(naming.DBIdentifier, "postgres"+major)),
		Family:      pulumi.String("postgres" + major),
		Description: pulumi.String("Platform PostgreSQL " + major + ": TLS only, connection and slow-statement logging"),
		Parameters: rds.ParameterGroupParameterArray{
			rds.ParameterGroupParameterArgs{Name: pulumi.String("rds.force_ssl"), Value: pulumi.String("1")},
			rds.ParameterGroupParameterArgs{Name: pulumi.String("log_connections"), Value: pulumi.String("1")},
			rds.ParameterGroupParameterArgs{Name: pulumi.String("log_disconnections"), Value: pulumi.String("1")},
			rds.ParameterGroupParameterArgs{Name: pulumi.String("log_min_duration_statement"), Value: pulumi.String(strconv.Itoa(a.LogMinDurationStatementMs))},
		},
	}, parent)
	if err != nil {
		return err
	}

	monitoringTrust := policydoc.ServiceTrust("monitoring.rds.amazonaws.com", n.AccountID)
	monitoring, err := iam.NewRole(ctx, name+"-monitoring", &iam.RoleArgs{
		Name:             pulumi.String(n.Name(naming.IAMRole, "rds-monitoring")),
		Description:      pulumi.String("RDS enhanced monitoring"),
		AssumeRolePolicy: pulumi.String(monitoringTrust.JSON()),
	}, parent)
	if err != nil {
		return err
	}
	attach, err := iam.NewRolePolicyAttachment(ctx, name+"-monitoring", &iam.RolePolicyAttachmentArgs{
		Role:      monitoring.Name,
		PolicyArn: pulumi.String(monitoringPolicyArn),
	}, parent)
	if err != nil {
		return err
	}

	instances := []string{id}
	for i := 1; i <= a.ReadReplicas; i++ {
		instances = append(instances, fmt.Sprintf("%s-replica-%d", id, i))
	}
	var logGroups []pulumi.Resource
	for _, inst := range instances {
		for _, kind := range []string{"postgresql", "upgrade"} {
			g, err := cloudwatch.NewLogGroup(ctx, fmt.Sprintf("%s-%s", logicalFor(name, id, inst), kind), &cloudwatch.LogGroupArgs{
				// RDS writes to this exact name; creating it first keeps it
				// encrypted and retained instead of RDS's default group.
				Name:            pulumi.Sprintf("/aws/rds/instance/%s/%s", inst, kind),
				RetentionInDays: pulumi.Int(a.LogRetentionDays),
				KmsKeyId:        a.LogsKmsKeyArn,
			}, parent)
			if err != nil {
				return err
			}
			logGroups = append(logGroups, g)
		}
	}

	// The backup plan selects primaries by tag. A read replica is not
	// backed up by AWS Backup (its source is); a promoted one is.
	tags := naming.MergeTags(a.Tags)
	if a.ReplicaOf == nil {
		tags[naming.TagBackup] = "true"
	}
	common := func(args *rds.InstanceArgs) *rds.InstanceArgs {
		args.InstanceClass = pulumi.String(a.InstanceClass)
		args.MultiAz = pulumi.Bool(*a.MultiAZ)
		args.PubliclyAccessible = pulumi.Bool(false)
		args.VpcSecurityGroupIds = pulumi.StringArray{sg.ID().ToStringOutput()}
		args.ParameterGroupName = params.Name
		args.KmsKeyId = a.DataKmsKeyArn
		args.StorageType = pulumi.String("gp3")
		args.MaxAllocatedStorage = pulumi.Int(a.MaxAllocatedStorageGb)
		args.IamDatabaseAuthenticationEnabled = pulumi.Bool(true)
		args.EnabledCloudwatchLogsExports = pulumi.StringArray{pulumi.String("postgresql"), pulumi.String("upgrade")}
		args.MonitoringInterval = pulumi.Int(a.MonitoringIntervalSeconds)
		args.MonitoringRoleArn = monitoring.Arn
		args.PerformanceInsightsEnabled = pulumi.Bool(true)
		args.PerformanceInsightsKmsKeyId = a.DataKmsKeyArn
		args.PerformanceInsightsRetentionPeriod = pulumi.Int(performanceInsightDays)
		args.AutoMinorVersionUpgrade = pulumi.Bool(true)
		args.AllowMajorVersionUpgrade = pulumi.Bool(false) // majors are planned, never implied
		args.ApplyImmediately = pulumi.Bool(false)         // changes wait for the maintenance window
		args.BackupRetentionPeriod = pulumi.Int(a.BackupRetentionDays)
		args.BackupWindow = pulumi.String(a.BackupWindow)
		args.MaintenanceWindow = pulumi.String(a.MaintenanceWindow)
		args.CopyTagsToSnapshot = pulumi.Bool(true)
		args.DeletionProtection = pulumi.Bool(true)
		args.SkipFinalSnapshot = pulumi.Bool(false)
		args.DeleteAutomatedBackups = pulumi.Bool(false)
		args.CaCertIdentifier = pulumi.String("rds-ca-rsa2048-g1")
		args.Tags = pulumi.ToStringMap(tags)
		return args
	}
	stateful := []pulumi.ResourceOption{parent, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true),
		pulumi.DependsOn(append(logGroups, attach))}

	primaryArgs := &rds.InstanceArgs{
		Identifier:              pulumi.String(id),
		FinalSnapshotIdentifier: pulumi.String(id + "-final"),
		DbSubnetGroupName:       a.SubnetGroupName,
	}
	if a.ReplicaOf != nil {
		// A cross-region replica inherits engine, storage and master user;
		// its key must be one of its own region.
		primaryArgs.ReplicateSourceDb = a.ReplicaOf
	} else {
		primaryArgs.Engine = pulumi.String("postgres")
		primaryArgs.EngineVersion = pulumi.String(a.EngineVersion)
		primaryArgs.AllocatedStorage = pulumi.Int(a.AllocatedStorageGb)
		primaryArgs.StorageEncrypted = pulumi.Bool(true)
		// RDS generates, stores (in Secrets Manager, under the secrets key)
		// and rotates the password: nothing secret is in config or state.
		primaryArgs.ManageMasterUserPassword = pulumi.Bool(true)
		primaryArgs.MasterUserSecretKmsKeyId = a.SecretsKmsKeyArn
		primaryArgs.Username = pulumi.String(masterUsername)
	}
	// A promoted replica keeps the master user it inherited; the program
	// never changes it (a new username would replace the instance).
	primary, err := rds.NewInstance(ctx, name, common(primaryArgs), append(stateful, pulumi.IgnoreChanges([]string{"username"}))...)
	if err != nil {
		return err
	}
	d.Arn = primary.Arn
	d.Identifier = primary.Identifier
	d.ResourceID = primary.ResourceId
	d.Address = primary.Address

	var alarms []observability.Alarm
	dims := map[string]pulumi.StringInput{"DBInstanceIdentifier": pulumi.String(id)}
	alarms = append(alarms,
		observability.Alarm{Suffix: "cpu", Description: "PostgreSQL CPU above 80% for 5 minutes", Namespace: "AWS/RDS", Metric: "CPUUtilization", Statistic: "Average", Comparison: "GreaterThanThreshold", Threshold: cpuAlarmPercent, Dimensions: dims},
		observability.Alarm{Suffix: "memory", Description: "PostgreSQL freeable memory below 1 GiB", Namespace: "AWS/RDS", Metric: "FreeableMemory", Statistic: "Average", Comparison: "LessThanThreshold", Threshold: freeMemoryAlarmBytes, Dimensions: dims},
		observability.Alarm{Suffix: "storage", Description: "PostgreSQL free storage below 10% of allocated (autoscaling is not keeping up)", Namespace: "AWS/RDS", Metric: "FreeStorageSpace", Statistic: "Minimum", Comparison: "LessThanThreshold", Threshold: float64(a.AllocatedStorageGb) * freeStorageAlarmShare * (1 << 30), Dimensions: dims},
		observability.Alarm{Suffix: "connections", Description: "PostgreSQL connections above 500", Namespace: "AWS/RDS", Metric: "DatabaseConnections", Statistic: "Maximum", Comparison: "GreaterThanThreshold", Threshold: connectionsAlarmCount, Dimensions: dims},
	)
	if a.ReplicaOf != nil {
		alarms = append(alarms, lagAlarm("replica-lag", id, a.ReplicaLagAlarmSeconds))
	}

	replicaIDs := pulumi.StringArray{}
	for i := 1; i <= a.ReadReplicas; i++ {
		rid := fmt.Sprintf("%s-replica-%d", id, i)
		replicaArgs := common(&rds.InstanceArgs{
			Identifier:              pulumi.String(rid),
			ReplicateSourceDb:       primary.Identifier,
			FinalSnapshotIdentifier: pulumi.String(rid + "-final"),
		})
		replicaArgs.MultiAz = pulumi.Bool(a.ReadReplicaMultiAZ)
		replica, err := rds.NewInstance(ctx, fmt.Sprintf("%s-replica-%d", name, i), replicaArgs, stateful...)
		if err != nil {
			return err
		}
		replicaIDs = append(replicaIDs, replica.Identifier)
		alarms = append(alarms, lagAlarm(fmt.Sprintf("replica-%d-lag", i), rid, a.ReplicaLagAlarmSeconds))
	}
	d.ReplicaIdentifiers = replicaIDs.ToStringArrayOutput()
	return observability.NewAlarms(ctx, name, a.AlarmTopicArn, alarms, parent)
}

func lagAlarm(suffix, instance string, seconds int) observability.Alarm {
	return observability.Alarm{
		Suffix:      suffix,
		Description: fmt.Sprintf("Replica %s more than %d s behind its source (RPO is 15 minutes)", instance, seconds),
		Namespace:   "AWS/RDS", Metric: "ReplicaLag", Statistic: "Maximum", Comparison: "GreaterThanThreshold",
		Threshold: float64(seconds), Periods: 3,
		Dimensions: map[string]pulumi.StringInput{"DBInstanceIdentifier": pulumi.String(instance)},
	}
}

// logicalFor names an instance's children after the component: name for
// the primary, name-replica-N for replicas.
func logicalFor(name, primaryID, instance string) string {
	if instance == primaryID {
		return name
	}
	return name + instance[len(primaryID):]
}

// BackupReplicationArgs configure the copy of automated backups to
// another region.
type BackupReplicationArgs struct {
	// SourceArn is the primary instance's ARN.
	SourceArn pulumi.StringInput
	// KmsKeyArn encrypts the copies: a key of the destination region.
	KmsKeyArn pulumi.StringInput
	// RetentionDays of the copies; defaults to DefaultBackupRetentionDays.
	RetentionDays int
}

// BackupReplication copies automated backups (and so point-in-time
// recovery) to the DR region. Give it the DR region's provider.
type BackupReplication struct {
	pulumi.ResourceState
}

// NewBackupReplication creates the replication in the provider's region.
func NewBackupReplication(ctx *pulumi.Context, name string, args *BackupReplicationArgs, opts ...pulumi.ResourceOption) (*BackupReplication, error) {
	if args == nil || args.SourceArn == nil || args.KmsKeyArn == nil {
		return nil, fmt.Errorf("database %s: sourceArn and kmsKeyArn (a key of the destination region) are required", name)
	}
	days := args.RetentionDays
	if days == 0 {
		days = DefaultBackupRetentionDays
	}
	b := &BackupReplication{}
	if err := ctx.RegisterComponentResourceV2("platform:database:BackupReplication", name, pulumi.Map{"retentionDays": pulumi.Int(days)}, b, opts...); err != nil {
		return nil, err
	}
	if _, err := rds.NewInstanceAutomatedBackupsReplication(ctx, name, &rds.InstanceAutomatedBackupsReplicationArgs{
		SourceDbInstanceArn: args.SourceArn,
		KmsKeyId:            args.KmsKeyArn,
		RetentionPeriod:     pulumi.Int(days),
	}, pulumi.Parent(b)); err != nil {
		return nil, fmt.Errorf("database %s: %w", name, err)
	}
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{})
}
