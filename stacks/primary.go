package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/addons"
	"platform/components/backup"
	"platform/components/database"
	"platform/components/kms"
	"platform/components/network"
	"platform/components/storage"
	"platform/internal/naming"
)

// primary composes the production stack: keys, network and buckets in the
// home region, and the replica keys and buckets its data is copied to in
// the DR region.
func primary(ctx *pulumi.Context, e *environment) (pulumi.Map, error) {
	cfg := e.cfg
	home, err := e.provider(cfg.Region)
	if err != nil {
		return nil, err
	}
	away, err := e.provider(cfg.DRRegion)
	if err != nil {
		return nil, err
	}
	protect := cfg.ProtectStateful()
	drNamer := e.namer.InRegion(cfg.DRRegion)

	keys, err := kms.NewKeys(ctx, "kms", &kms.KeysArgs{
		Namer: e.namer, Purposes: kms.AllPurposes, DeletionWindowDays: cfg.KMS.DeletionWindowDays, Protect: protect,
	}, home)
	if err != nil {
		return nil, err
	}
	replicaKeys, err := kms.NewKeys(ctx, "kms-replica", &kms.KeysArgs{
		Namer: drNamer, Purposes: []kms.Purpose{kms.Data, kms.Logs, kms.Secrets, kms.Backup}, AliasSuffix: "replica",
		DeletionWindowDays: cfg.KMS.DeletionWindowDays, Protect: protect,
	}, away)
	if err != nil {
		return nil, err
	}

	vpc, err := newNetwork(ctx, e, keys, home)
	if err != nil {
		return nil, err
	}

	lifecycle := storage.Lifecycle{
		TransitionToIADays:              cfg.Storage.TransitionToIADays,
		TransitionToGlacierDays:         cfg.Storage.TransitionToGlacierDays,
		NoncurrentVersionExpirationDays: cfg.Storage.NoncurrentVersionExpirationDays,
	}
	logLifecycle := lifecycle
	logLifecycle.ExpirationDays = cfg.Storage.AccessLogExpirationDays
	lock := cfg.Storage.ObjectLockRetentionDays
	backupTag := map[string]string{naming.TagBackup: "true"}

	// The DR side first: replication needs its buckets to exist.
	replicaLogs, err := storage.NewBucket(ctx, "replica-access-logs", &storage.BucketArgs{
		Namer: drNamer, Purpose: "replica-access-logs", AccessLogTarget: true, Lifecycle: logLifecycle, Protect: protect,
		// The API's load balancer logs here (components/addons).
		ServiceWriters: []storage.ServiceWriter{storage.LoadBalancerLogs(cfg.DRRegion, addons.AccessLogPrefix)},
	}, away)
	if err != nil {
		return nil, err
	}
	dataReplica, err := storage.NewBucket(ctx, "data-replica", &storage.BucketArgs{
		Namer: drNamer, Purpose: "data-replica", KmsKeyArn: replicaKeys.Arn(kms.Data),
		AccessLogBucket: replicaLogs.BucketName, Lifecycle: lifecycle, Protect: protect,
	}, away)
	if err != nil {
		return nil, err
	}
	auditReplica, err := storage.NewBucket(ctx, "audit-replica", &storage.BucketArgs{
		Namer: drNamer, Purpose: "audit-replica", KmsKeyArn: replicaKeys.Arn(kms.Logs),
		AccessLogBucket: replicaLogs.BucketName, ObjectLockRetentionDays: lock, Lifecycle: lifecycle, Protect: protect,
	}, away)
	if err != nil {
		return nil, err
	}

	accessLogs, err := storage.NewBucket(ctx, "access-logs", &storage.BucketArgs{
		Namer: e.namer, Purpose: "access-logs", AccessLogTarget: true, Lifecycle: logLifecycle, Protect: protect,
		// The API's load balancer logs here (components/addons).
		ServiceWriters: []storage.ServiceWriter{storage.LoadBalancerLogs(cfg.Region, addons.AccessLogPrefix)},
	}, home)
	if err != nil {
		return nil, err
	}
	data, err := storage.NewBucket(ctx, "data", &storage.BucketArgs{
		Namer: e.namer, Purpose: "data", KmsKeyArn: keys.Arn(kms.Data), AccessLogBucket: accessLogs.BucketName,
		Lifecycle: lifecycle, Protect: protect, Tags: backupTag,
		Replication: &storage.Replication{Destination: dataReplica, DestinationKmsKeyArn: replicaKeys.Arn(kms.Data), DestinationRegion: cfg.DRRegion},
	}, home)
	if err != nil {
		return nil, err
	}
	audit, err := storage.NewBucket(ctx, "audit", &storage.BucketArgs{
		Namer: e.namer, Purpose: "audit", KmsKeyArn: keys.Arn(kms.Logs), AccessLogBucket: accessLogs.BucketName,
		ObjectLockRetentionDays: lock, Lifecycle: lifecycle, Protect: protect,
		ServiceWriters: []storage.ServiceWriter{
			{Service: "cloudtrail.amazonaws.com", Prefix: "cloudtrail"},
			{Service: "config.amazonaws.com", Prefix: "config"},
		},
		Replication: &storage.Replication{Destination: auditReplica, DestinationKmsKeyArn: replicaKeys.Arn(kms.Logs), DestinationRegion: cfg.DRRegion},
	}, home)
	if err != nil {
		return nil, err
	}

	tier, err := newDataTier(ctx, e, dataTierArgs{
		keys: keys, vpc: vpc, provider: home,
		instanceClass: cfg.Database.InstanceClass, multiAZ: true, readReplicas: *cfg.Database.ReadReplicas,
		cacheNodeType: cfg.Cache.NodeType, cacheReplicas: cfg.Cache.Replicas, vaultPurpose: "primary",
	})
	if err != nil {
		return nil, err
	}
	// Point-in-time recovery survives a regional outage: automated
	// backups are replicated into the DR region under its own key.
	if _, err := database.NewBackupReplication(ctx, "database-backups-dr", &database.BackupReplicationArgs{
		SourceArn: tier.database.Arn, KmsKeyArn: replicaKeys.Arn(kms.Data), RetentionDays: cfg.Database.BackupRetentionDays,
	}, away); err != nil {
		return nil, err
	}
	drVault, err := backup.NewVault(ctx, "backup-dr-copy", &backup.VaultArgs{
		Namer: drNamer, Purpose: "dr-copy", KmsKeyArn: replicaKeys.Arn(kms.Backup),
		LockMode: cfg.Backup.VaultLock, MinRetentionDays: cfg.Backup.MinRetentionDays, MaxRetentionDays: cfg.Backup.MaxRetentionDays,
		Protect: protect,
	}, away)
	if err != nil {
		return nil, err
	}
	if _, err := backup.NewPlan(ctx, "backup", &backup.PlanArgs{Namer: e.namer, Vault: tier.vault, CopyToVaultArn: drVault.Arn}, home); err != nil {
		return nil, err
	}
	secretArns, err := newSecrets(ctx, e, keys.Arn(kms.Secrets), replicaKeys.Arn(kms.Secrets), home)
	if err != nil {
		return nil, err
	}

	out := networkOutputs(vpc)
	dataOutputs(out, tier)
	if err := security(ctx, e, securityArgs{
		keys: keys, provider: home, auditBucketName: audit.BucketName,
		dataBucketArns: []pulumi.StringInput{data.Arn},
	}, out); err != nil {
		return nil, err
	}
	eks, err := newCluster(ctx, e, keys, vpc, clusterAccess{
		admin: out["adminRoleArn"].(pulumi.StringInput), auditor: out["auditorRoleArn"].(pulumi.StringInput),
		deploy: out["deployRoleArn"].(pulumi.StringInput), boundary: out["permissionBoundaryArn"].(pulumi.StringInput),
	}, addonInputsFrom(out, accessLogs.BucketName), home)
	if err != nil {
		return nil, err
	}
	clusterOutputs(out, eks.cluster)
	if err := newObservability(ctx, e, observabilityArgs{
		keys: keys, vpc: vpc, layer: eks, provider: home, accessLogBucket: accessLogs.BucketName,
		auditBucket: audit.BucketName, auditBucketArn: audit.Arn, auditKey: keys.Arn(kms.Logs),
		adminRole: out["adminRoleArn"].(pulumi.StringInput), auditorRole: out["auditorRoleArn"].(pulumi.StringInput),
		boundary:  out["permissionBoundaryArn"].(pulumi.StringInput),
		pageTopic: out["alertTopicArn"].(pulumi.StringInput), database: tier.database, cache: tier.cache,
	}, out); err != nil {
		return nil, err
	}
	if err := newRegistry(ctx, e, keys, out["permissionBoundaryArn"].(pulumi.StringInput), cfg.DRRegion, home); err != nil {
		return nil, err
	}
	if err := newServices(ctx, e, servicesArgs{
		layer: eks, provider: home, boundary: out["permissionBoundaryArn"].(pulumi.StringInput),
		dataBucketArn: data.Arn, dataKey: keys.Arn(kms.Data), databaseResourceID: tier.database.ResourceID,
		healthCheckID: out["apiHealthCheckId"].(pulumi.StringInput),
		repositoryKey: keys.Arn(kms.Data), deployRole: out["deployRoleArn"].(pulumi.StringInput),
		secretsKey: keys.Arn(kms.Secrets), replicaSecretsKey: replicaKeys.Arn(kms.Secrets), replicaRegion: cfg.DRRegion,
		secretReaders: []string{externalSecretsRole(e.namer)}, replicaSecretReaders: []string{externalSecretsRole(drNamer)},
	}); err != nil {
		return nil, err
	}
	if err := newPaging(ctx, e, keys, out, out["permissionBoundaryArn"].(pulumi.StringInput), home); err != nil {
		return nil, err
	}
	if err := newCostControls(ctx, e, keys, out, accessLogs.BucketName, home); err != nil {
		return nil, err
	}
	out["drBackupVaultArn"] = drVault.Arn
	out["secretArns"] = secretArns
	out["role"] = pulumi.String(cfg.Role)
	out["region"] = pulumi.String(cfg.Region)
	out["drRegion"] = pulumi.String(cfg.DRRegion)
	out["kmsKeyArns"] = keys.Arns
	out["drReplicaKmsKeyArns"] = replicaKeys.Arns
	out["dataBucketName"] = data.BucketName
	out["auditBucketName"] = audit.BucketName
	out["accessLogBucketName"] = accessLogs.BucketName
	out["dataReplicaBucketName"] = dataReplica.BucketName
	out["dataReplicaBucketArn"] = dataReplica.Arn
	out["auditReplicaBucketName"] = auditReplica.BucketName
	out["replicaAccessLogBucketName"] = replicaLogs.BucketName
	return out, nil
}

// newNetwork builds the stack's VPC in its own region.
func newNetwork(ctx *pulumi.Context, e *environment, keys *kms.Keys, provider pulumi.ResourceOption) (*network.Vpc, error) {
	n := e.cfg.Network
	return network.NewVpc(ctx, "network", &network.VpcArgs{
		Namer:                e.namer,
		CidrBlock:            n.VpcCidr,
		AvailabilityZones:    n.AZs,
		NatMode:              network.NatMode(n.NatMode),
		FlowLogRetentionDays: n.FlowLogRetentionDays,
		FlowLogKmsKeyArn:     keys.Arn(kms.Logs),
	}, provider)
}

// networkOutputs are the network values later layers (EKS, RDS) consume.
func networkOutputs(vpc *network.Vpc) pulumi.Map {
	return pulumi.Map{
		"vpcId":                   vpc.VpcID,
		"publicSubnetIds":         vpc.PublicSubnetIDs,
		"privateSubnetIds":        vpc.PrivateSubnetIDs,
		"dataSubnetIds":           vpc.DataSubnetIDs,
		"publicRouteTableId":      vpc.PublicRouteTableID,
		"privateRouteTableIds":    vpc.PrivateRouteTableIDs,
		"dataRouteTableId":        vpc.DataRouteTableID,
		"dbSubnetGroupName":       vpc.DBSubnetGroupName,
		"cacheSubnetGroupName":    vpc.CacheSubnetGroupName,
		"endpointSecurityGroupId": vpc.EndpointSecurityGroup,
		"flowLogGroupName":        vpc.FlowLogGroupName,
	}
}
