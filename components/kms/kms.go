package kms

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
	"platform/internal/policydoc"
)

// Keys is a set of customer-managed keys in one region.
type Keys struct {
	pulumi.ResourceState

	// Arns maps each purpose to its key ARN.
	Arns pulumi.StringMapOutput
	// keys holds the key resources, for typed access.
	keys map[Purpose]*kms.Key
}

// Arn returns the ARN of the key for a purpose the set was created with.
func (k *Keys) Arn(p Purpose) pulumi.StringOutput {
	key, ok := k.keys[p]
	if !ok {
		panic(fmt.Sprintf("kms: no key for purpose %q in this set", p))
	}
	return key.Arn
}

// NewKeys creates one rotated, aliased key per purpose.
func NewKeys(ctx *pulumi.Context, name string, args *KeysArgs, opts ...pulumi.ResourceOption) (*Keys, error) {
	if args == nil {
		args = &KeysArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("kms %s: %w", name, err)
	}
	k := &Keys{keys: map[Purpose]*kms.Key{}}
	purposes := pulumi.StringArray{}
	for _, p := range a.Purposes {
		purposes = append(purposes, pulumi.String(string(p)))
	}
	inputs := pulumi.Map{
		"purposes":           purposes,
		"deletionWindowDays": pulumi.Int(a.DeletionWindowDays),
		"protect":            pulumi.Bool(a.Protect),
	}
	if err := ctx.RegisterComponentResourceV2("platform:kms:Keys", name, inputs, k, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(k)
	arns := pulumi.StringMap{}
	for _, p := range a.Purposes {
		keyName := fmt.Sprintf("%s-%s", name, p)
		key, err := kms.NewKey(ctx, keyName, &kms.KeyArgs{
			Description:           pulumi.Sprintf("platform %s key (%s, %s)", p, a.Namer.Environment, a.Namer.Region),
			KeyUsage:              pulumi.String("ENCRYPT_DECRYPT"),
			CustomerMasterKeySpec: pulumi.String("SYMMETRIC_DEFAULT"),
			EnableKeyRotation:     pulumi.Bool(true), // CIS 3.6, FSBP KMS.4
			RotationPeriodInDays:  pulumi.Int(365),
			DeletionWindowInDays:  pulumi.Int(a.DeletionWindowDays),
			Policy:                pulumi.String(KeyPolicy(a.Namer, p).JSON()),
		}, parent, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true))
		if err != nil {
			return nil, fmt.Errorf("kms %s: %w", name, err)
		}
		aliasParts := []string{string(p)}
		if a.AliasSuffix != "" {
			aliasParts = append(aliasParts, a.AliasSuffix)
		}
		if _, err := kms.NewAlias(ctx, keyName, &kms.AliasArgs{
			Name:        pulumi.String(a.Namer.Name(naming.KMSAlias, aliasParts...)),
			TargetKeyId: key.KeyId,
		}, parent); err != nil {
			return nil, fmt.Errorf("kms %s: %w", name, err)
		}
		k.keys[p] = key
		arns[string(p)] = key.Arn
	}
	k.Arns = arns.ToStringMapOutput()
	if err := ctx.RegisterResourceOutputs(k, pulumi.Map{"arns": k.Arns}); err != nil {
		return nil, err
	}
	return k, nil
}

// TopicPublishers are the AWS services that publish to the alert topic
// (components/observability) and so use the logs key that encrypts it.
var TopicPublishers = []string{
	"cloudwatch.amazonaws.com", "events.amazonaws.com",
	"budgets.amazonaws.com", "costalerts.amazonaws.com",
}

// KeyPolicy is the key policy of a purpose's key. The account root holds
// full control so that IAM policies decide who uses the key (and the key
// can never become unmanageable); services that encrypt on the platform's
// behalf are named with conditions that pin them to this account.
func KeyPolicy(n naming.Namer, p Purpose) policydoc.Document {
	statements := []policydoc.Statement{{
		Sid:       "EnableIAMPolicies",
		Effect:    policydoc.Allow,
		Principal: policydoc.AWS(n.ARN("iam", "root")),
		Action:    "kms:*",
		Resource:  "*",
	}}
	if p == Data {
		statements = append(statements, dataExportsStatement(n))
	}
	if p == Logs {
		// CloudWatch Logs encrypts log groups with this key, only for log
		// groups of this account and region.
		statements = append(statements, policydoc.Statement{
			Sid:       "AllowCloudWatchLogs",
			Effect:    policydoc.Allow,
			Principal: policydoc.Service(fmt.Sprintf("logs.%s.amazonaws.com", n.Region)),
			Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			Resource:  "*",
			Condition: policydoc.Conditions{"ArnLike": {
				"kms:EncryptionContext:aws:logs:arn": n.ARN("logs", "*"),
			}},
		}, policydoc.Statement{
			// CloudWatch alarms, EventBridge rules, AWS Budgets and Cost
			// Anomaly Detection publish to the alert topic, which this
			// key encrypts; each calls KMS itself to do so.
			Sid:       "AllowAlarmsToEncryptedTopics",
			Effect:    policydoc.Allow,
			Principal: policydoc.Service(TopicPublishers...),
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey*"},
			Resource:  "*",
			Condition: policydoc.Conditions{"StringEquals": {"aws:SourceAccount": n.AccountID}},
		}, policydoc.Statement{
			// CloudTrail encrypts log files with this key, only for trails
			// of this account.
			Sid:       "AllowCloudTrailEncrypt",
			Effect:    policydoc.Allow,
			Principal: policydoc.Service("cloudtrail.amazonaws.com"),
			Action:    []string{"kms:GenerateDataKey*", "kms:DescribeKey"},
			Resource:  "*",
			Condition: policydoc.Conditions{
				"StringEquals": {"aws:SourceAccount": n.AccountID},
				"StringLike":   {"kms:EncryptionContext:aws:cloudtrail:arn": fmt.Sprintf("arn:aws:cloudtrail:*:%s:trail/*", n.AccountID)},
			},
		}, policydoc.Statement{
			// AWS Config writes snapshots into the audit bucket, whose
			// default encryption is this key.
			Sid:       "AllowConfigDelivery",
			Effect:    policydoc.Allow,
			Principal: policydoc.Service("config.amazonaws.com"),
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource:  "*",
			Condition: policydoc.Conditions{"StringEquals": {"aws:SourceAccount": n.AccountID}},
		})
	}
	return policydoc.New(statements...)
}

// dataExportsStatement lets AWS Data Exports write the cost and usage
// report into the billing exports bucket (components/finops), whose
// default encryption is this key. S3 calls KMS on the service's behalf:
// GenerateDataKey for each object, Decrypt to complete multipart uploads.
// The grant holds only for this account and only through S3 in this key's
// region, where a bucket encrypted with it lives.
func dataExportsStatement(n naming.Namer) policydoc.Statement {
	return policydoc.Statement{
		Sid:       "AllowDataExportsDelivery",
		Effect:    policydoc.Allow,
		Principal: policydoc.Service("bcm-data-exports.amazonaws.com"),
		Action:    []string{"kms:GenerateDataKey", "kms:Decrypt"},
		Resource:  "*",
		Condition: policydoc.Conditions{"StringEquals": {
			"aws:SourceAccount": n.AccountID,
			"kms:ViaService":    fmt.Sprintf("s3.%s.amazonaws.com", n.Region),
		}},
	}
}
