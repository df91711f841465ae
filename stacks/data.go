package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/backup"
	"platform/components/cache"
	"platform/components/database"
	"platform/components/kms"
	"platform/components/network"
	"platform/components/observability"
	"platform/components/secrets"
)

// dataTier is what both roles build of the data tier.
type dataTier struct {
	alerts   *observability.AlertTopic
	database *database.Database
	cache    *cache.Cache
	vault    *backup.Vault
}

// privateCidrs are the workload tier's blocks: the only clients of the
// data stores.
func privateCidrs(vpc *network.Vpc) []string {
	var out []string
	for _, s := range vpc.Subnets {
		if s.Tier == network.Private {
			out = append(out, s.CIDR.String())
		}
	}
	return out
}

// dataTierArgs are the inputs the two roles share.
type dataTierArgs struct {
	keys     *kms.Keys
	vpc      *network.Vpc
	provider pulumi.ResourceOption
	// replicaOf makes the database a cross-region replica (dr, not promoted).
	replicaOf     pulumi.StringInput
	instanceClass string
	// multiAZ of the stack's database: the primary always; the dr
	// replica as platform:dr.replicaMultiAz says until promotion.
	multiAZ       bool
	readReplicas  int
	cacheNodeType string
	cacheReplicas int
	vaultPurpose  string
}

// newDataTier builds the alert topic, database, cache and backup vault of
// the stack's own region.
func newDataTier(ctx *pulumi.Context, e *environment, a dataTierArgs) (*dataTier, error) {
	cfg := e.cfg
	protect := cfg.ProtectStateful()
	alerts, err := observability.NewAlertTopic(ctx, "alerts", &observability.AlertTopicArgs{
		Namer: e.namer, KmsKeyArn: a.keys.Arn(kms.Logs),
	}, a.provider)
	if err != nil {
		return nil, err
	}
	clients := privateCidrs(a.vpc)
	dbArgs := &database.DatabaseArgs{
		Namer:                     e.namer,
		EngineVersion:             cfg.Database.EngineVersion,
		InstanceClass:             a.instanceClass,
		AllocatedStorageGb:        cfg.Database.AllocatedStorageGb,
		MaxAllocatedStorageGb:     cfg.Database.MaxAllocatedStorageGb,
		VpcID:                     a.vpc.VpcID,
		SubnetGroupName:           a.vpc.DBSubnetGroupName,
		ClientCidrs:               clients,
		DataKmsKeyArn:             a.keys.Arn(kms.Data),
		SecretsKmsKeyArn:          a.keys.Arn(kms.Secrets),
		LogsKmsKeyArn:             a.keys.Arn(kms.Logs),
		BackupRetentionDays:       cfg.Database.BackupRetentionDays,
		LogMinDurationStatementMs: cfg.Database.LogMinDurationStatementMs,
		MultiAZ:                   &a.multiAZ,
		ReadReplicas:              a.readReplicas,
		ReadReplicaMultiAZ:        *cfg.Database.ReadReplicaMultiAz,
		ReplicaLagAlarmSeconds:    cfg.Database.ReplicaLagAlarmSeconds,
		AlarmTopicArn:             alerts.Arn,
		ReplicaOf:                 a.replicaOf,
		Protect:                   protect,
	}
	db, err := database.NewDatabase(ctx, "database", dbArgs, a.provider)
	if err != nil {
		return nil, err
	}
	redis, err := cache.NewCache(ctx, "cache", &cache.CacheArgs{
		Namer:                 e.namer,
		EngineVersion:         cfg.Cache.EngineVersion,
		NodeType:              a.cacheNodeType,
		Replicas:              a.cacheReplicas,
		VpcID:                 a.vpc.VpcID,
		SubnetGroupName:       a.vpc.CacheSubnetGroupName,
		ClientCidrs:           clients,
		DataKmsKeyArn:         a.keys.Arn(kms.Data),
		LogsKmsKeyArn:         a.keys.Arn(kms.Logs),
		SnapshotRetentionDays: cfg.Cache.SnapshotRetentionDays,
		AlarmTopicArn:         alerts.Arn,
		Protect:               protect,
	}, a.provider)
	if err != nil {
		return nil, err
	}
	vault, err := backup.NewVault(ctx, "backup", &backup.VaultArgs{
		Namer: e.namer, Purpose: a.vaultPurpose, KmsKeyArn: a.keys.Arn(kms.Backup),
		LockMode: cfg.Backup.VaultLock, MinRetentionDays: cfg.Backup.MinRetentionDays, MaxRetentionDays: cfg.Backup.MaxRetentionDays,
		Protect: protect,
	}, a.provider)
	if err != nil {
		return nil, err
	}
	return &dataTier{alerts: alerts, database: db, cache: redis, vault: vault}, nil
}

// newSecrets creates the configured application secrets; those marked
// replicateToDr get a replica under the DR region's key.
func newSecrets(ctx *pulumi.Context, e *environment, key pulumi.StringInput, drKey pulumi.StringInput, provider pulumi.ResourceOption) (pulumi.StringMap, error) {
	arns := pulumi.StringMap{}
	for _, s := range e.cfg.Secrets {
		var replicas []secrets.Replica
		if s.ReplicateToDR && drKey != nil {
			replicas = append(replicas, secrets.Replica{Region: e.cfg.DRRegion, KmsKeyArn: drKey})
		}
		sec, err := secrets.NewSecret(ctx, "secret-"+s.Name, &secrets.SecretArgs{
			Namer: e.namer, Name: s.Name, Description: s.Description, KmsKeyArn: key,
			ReaderRoleArns: s.ReaderRoleArns, RotationLambdaArn: s.RotationLambdaArn, RotationRoleArn: s.RotationRoleArn,
			RotationDays: s.RotationDays, Replicas: replicas, Protect: e.cfg.ProtectStateful(),
		}, provider)
		if err != nil {
			return nil, err
		}
		arns[s.Name] = sec.Arn
	}
	return arns, nil
}

// dataOutputs are the data tier's exports.
func dataOutputs(out pulumi.Map, d *dataTier) {
	out["alertTopicArn"] = d.alerts.Arn
	out["databaseArn"] = d.database.Arn
	out["databaseIdentifier"] = d.database.Identifier
	out["databaseAddress"] = d.database.Address
	out["databaseSecurityGroupId"] = d.database.SecurityGroupID
	out["cacheReplicationGroupId"] = d.cache.ReplicationGroupID
	out["cacheEndpoint"] = d.cache.PrimaryEndpoint
	out["cacheUserGroupId"] = d.cache.UserGroupID
	out["backupVaultArn"] = d.vault.Arn
}
