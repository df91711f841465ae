package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/backup"
	"platform/components/kms"
)

// dr composes the disaster-recovery stack: keys and network in the DR
// region, the primary stack's outputs (replica buckets and keys the
// primary stack created here) read through a StackReference, and the data
// path: a cross-region replica of the primary database, promoted by
// platform:dr.promote, its own backup vault and plan, and a warm-standby
// Redis.
//
// Redis is a warm standby rather than a Global Datastore secondary: the
// cache holds derived data that refills from PostgreSQL, so losing its
// contents costs latency, not data; a Global Datastore would double the
// cache bill, tie the DR cache's engine upgrades to the primary's, and its
// failover is a separate operation from the database's. The standby is
// sized by dr.cacheNodeType and dr.cacheReplicas.
func dr(ctx *pulumi.Context, e *environment) (pulumi.Map, error) {
	cfg := e.cfg
	home, err := e.provider(cfg.Region)
	if err != nil {
		return nil, err
	}
	primaryRef, err := pulumi.NewStackReference(ctx, "primary", &pulumi.StackReferenceArgs{
		Name: pulumi.String(cfg.PrimaryStack),
	})
	if err != nil {
		return nil, err
	}
	keys, err := kms.NewKeys(ctx, "kms", &kms.KeysArgs{
		Namer: e.namer, Purposes: kms.AllPurposes, DeletionWindowDays: cfg.KMS.DeletionWindowDays, Protect: cfg.ProtectStateful(),
	}, home)
	if err != nil {
		return nil, err
	}
	vpc, err := newNetwork(ctx, e, keys, home)
	if err != nil {
		return nil, err
	}

	// The database replicates from the primary stack's until dr.promote
	// turns it into a standalone primary (failover); both states are the
	// same resource, so promotion is an in-place update.
	var replicaOf pulumi.StringInput
	if !cfg.DR.Promote {
		replicaOf = requireOutput(primaryRef, cfg.PrimaryStack, "databaseArn")
	}
	data, err := newDataTier(ctx, e, dataTierArgs{
		keys: keys, vpc: vpc, provider: home, replicaOf: replicaOf,
		instanceClass: cfg.DR.InstanceClass, multiAZ: cfg.DR.Promote || *cfg.DR.ReplicaMultiAz, readReplicas: 0,
		cacheNodeType: cfg.DR.CacheNodeType, cacheReplicas: cfg.DR.CacheReplicas, vaultPurpose: "dr",
	})
	if err != nil {
		return nil, err
	}
	// The dr stack's own plan backs up what it holds (the promoted
	// database) and copies back to the primary region's vault.
	if _, err := backup.NewPlan(ctx, "backup", &backup.PlanArgs{
		Namer: e.namer, Vault: data.vault, CopyToVaultArn: requireOutput(primaryRef, cfg.PrimaryStack, "backupVaultArn"),
	}, home); err != nil {
		return nil, err
	}

	// The primary stack must replicate into this stack's region; a DR stack
	// pointed at the wrong primary fails here, in preview.
	primaryDRRegion := primaryRef.GetStringOutput(pulumi.String("drRegion")).ApplyT(func(r string) (string, error) {
		if r != cfg.Region {
			return "", fmt.Errorf("primaryStack %s replicates to %q, but this dr stack is in %q: set primaryStack to the stack whose drRegion is %s", cfg.PrimaryStack, r, cfg.Region, cfg.Region)
		}
		return r, nil
	}).(pulumi.StringOutput)

	out := networkOutputs(vpc)
	dataOutputs(out, data)
	// Config in this region delivers to the primary's audit bucket; the
	// API's DNS lives in the primary's zone.
	sec := securityArgs{keys: keys, provider: home, auditBucketName: requireOutput(primaryRef, cfg.PrimaryStack, "auditBucketName")}
	if cfg.Edge.Domain != "" {
		sec.zoneID = requireOutput(primaryRef, cfg.PrimaryStack, "zoneId")
	}
	if err := security(ctx, e, sec, out); err != nil {
		return nil, err
	}
	out["promoted"] = pulumi.Bool(cfg.DR.Promote)
	out["role"] = pulumi.String(cfg.Role)
	out["region"] = primaryDRRegion
	out["primaryRegion"] = primaryRef.GetStringOutput(pulumi.String("region"))
	// The warm-standby cluster: the same shape at standby size, so a
	// failover scales it up instead of creating it. IAM is global: the
	// identities are the primary stack's.
	eks, err := newCluster(ctx, e, keys, vpc, clusterAccess{
		admin:    requireOutput(primaryRef, cfg.PrimaryStack, "adminRoleArn"),
		auditor:  requireOutput(primaryRef, cfg.PrimaryStack, "auditorRoleArn"),
		deploy:   requireOutput(primaryRef, cfg.PrimaryStack, "deployRoleArn"),
		boundary: requireOutput(primaryRef, cfg.PrimaryStack, "permissionBoundaryArn"),
	}, drAddonInputs(out, primaryRef, cfg.PrimaryStack), home)
	if err != nil {
		return nil, err
	}
	clusterOutputs(out, eks.cluster)
	// The audit stream stays in this region: the primary's Object-Lock
	// audit replica here, under its replica key.
	auditReplica := requireOutput(primaryRef, cfg.PrimaryStack, "auditReplicaBucketName")
	if err := newObservability(ctx, e, observabilityArgs{
		keys: keys, vpc: vpc, layer: eks, provider: home,
		accessLogBucket: requireOutput(primaryRef, cfg.PrimaryStack, "replicaAccessLogBucketName"),
		auditBucket:     auditReplica, auditBucketArn: bucketArn(auditReplica), auditKey: replicaKey(primaryRef, cfg.PrimaryStack, kms.Logs),
		adminRole: requireOutput(primaryRef, cfg.PrimaryStack, "adminRoleArn"), auditorRole: requireOutput(primaryRef, cfg.PrimaryStack, "auditorRoleArn"),
		boundary:  requireOutput(primaryRef, cfg.PrimaryStack, "permissionBoundaryArn"),
		pageTopic: out["alertTopicArn"].(pulumi.StringInput), database: data.database, cache: data.cache,
	}, out); err != nil {
		return nil, err
	}
	// The replicas' repositories are created here by the primary's
	// replication, through this region's creation template.
	if err := newRegistry(ctx, e, keys, requireOutput(primaryRef, cfg.PrimaryStack, "permissionBoundaryArn"), "", home); err != nil {
		return nil, err
	}
	if err := newPaging(ctx, e, keys, out, requireOutput(primaryRef, cfg.PrimaryStack, "permissionBoundaryArn"), home); err != nil {
		return nil, err
	}
	if err := newCostControls(ctx, e, keys, out, nil, home); err != nil {
		return nil, err
	}
	// The services run here on the replicas: images replicated by ECR,
	// secrets by Secrets Manager, data by S3, the database by RDS.
	if err := newServices(ctx, e, servicesArgs{
		layer: eks, provider: home, boundary: requireOutput(primaryRef, cfg.PrimaryStack, "permissionBoundaryArn"),
		dataBucketArn: requireOutput(primaryRef, cfg.PrimaryStack, "dataReplicaBucketArn"), dataKey: replicaKey(primaryRef, cfg.PrimaryStack, kms.Data),
		databaseResourceID: data.database.ResourceID,
	}); err != nil {
		return nil, err
	}
	out["kmsKeyArns"] = keys.Arns
	out["dataReplicaBucketName"] = primaryRef.GetStringOutput(pulumi.String("dataReplicaBucketName"))
	out["auditReplicaBucketName"] = primaryRef.GetStringOutput(pulumi.String("auditReplicaBucketName"))
	out["replicaKmsKeyArns"] = primaryRef.GetOutput(pulumi.String("drReplicaKmsKeyArns"))
	return out, nil
}

// requireOutput reads a string output of the primary stack and fails the
// preview, naming the stack and the output, when it is missing: an empty
// replication source would create a new, empty database instead.
func requireOutput(ref *pulumi.StackReference, stack, key string) pulumi.StringOutput {
	return ref.GetOutput(pulumi.String(key)).ApplyT(func(v any) (string, error) {
		s, _ := v.(string)
		if s == "" {
			return "", fmt.Errorf("primaryStack %s has no %q output: deploy it (pulumi up on production) before the dr stack", stack, key)
		}
		return s, nil
	}).(pulumi.StringOutput)
}

// drAddonInputs are the add-ons' inputs in the dr stack: the primary's
// access-log bucket replica in this region, and the key its secret
// replicas are encrypted with here (External Secrets must decrypt them
// after a failover).
func drAddonInputs(out pulumi.Map, primaryRef *pulumi.StackReference, stack string) addonInputs {
	in := addonInputsFrom(out, requireOutput(primaryRef, stack, "replicaAccessLogBucketName"))
	in.replicaSecretsKey = replicaKey(primaryRef, stack, kms.Secrets)
	return in
}

// replicaKey is the primary's replica key of purpose in this region.
func replicaKey(primaryRef *pulumi.StackReference, stack string, purpose kms.Purpose) pulumi.StringOutput {
	return primaryRef.GetOutput(pulumi.String("drReplicaKmsKeyArns")).ApplyT(func(v any) (string, error) {
		arns, _ := v.(map[string]any)
		arn, _ := arns[string(purpose)].(string)
		if arn == "" {
			return "", fmt.Errorf("primaryStack %s has no drReplicaKmsKeyArns.%s output: deploy it (pulumi up on production) before the dr stack", stack, purpose)
		}
		return arn, nil
	}).(pulumi.StringOutput)
}

// bucketArn is a bucket's ARN from its name.
func bucketArn(name pulumi.StringOutput) pulumi.StringOutput {
	return name.ApplyT(func(n string) string { return "arn:aws:s3:::" + n }).(pulumi.StringOutput)
}
