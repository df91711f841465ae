package secrets

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plantest"
)

const (
	key       = "arn:aws:kms:us-east-1:111122223333:key/secrets"
	drKey     = "arn:aws:kms:us-west-2:111122223333:key/secrets"
	reader    = "arn:aws:iam::111122223333:role/payments-api"
	rotator   = "arn:aws:lambda:us-east-1:111122223333:function:rotate-api-key"
	rotatorRl = "arn:aws:iam::111122223333:role/rotate-api-key"
)

func args() *SecretArgs {
	return &SecretArgs{
		Namer: plantest.Namer("us-east-1"), Name: "payments/processor-api-key", Description: "Card processor API key",
		KmsKeyArn: pulumi.String(key), ReaderRoleArns: []string{reader},
		RotationLambdaArn: rotator, RotationRoleArn: rotatorRl, RotationDays: 60,
		Replicas: []Replica{{Region: "us-west-2", KmsKeyArn: pulumi.String(drKey)}}, Protect: true,
	}
}

func TestSecret(t *testing.T) {
	p := plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewSecret(ctx, "api-key", args(), prov)
		return err
	})
	s, ok := p.Named("aws:secretsmanager/secret:Secret", "api-key")
	require.True(t, ok)
	assert.Equal(t, "platform/prod/payments/processor-api-key", s.Inputs["name"])
	assert.Equal(t, key, s.Inputs["kmsKeyId"])
	assert.Equal(t, []any{map[string]any{"region": "us-west-2", "kmsKeyId": drKey}}, s.Inputs["replicas"])
	assert.NotContains(t, s.Inputs, "secretString")
	assert.Empty(t, p.OfType("aws:secretsmanager/secretVersion:SecretVersion"), "the platform never writes a value")
	assert.True(t, s.Protect)

	rot, ok := p.Named("aws:secretsmanager/secretRotation:SecretRotation", "api-key")
	require.True(t, ok)
	assert.Equal(t, rotator, rot.Inputs["rotationLambdaArn"])
	assert.Equal(t, 60.0, plantest.Input(rot, "rotationRules", "automaticallyAfterDays"))

	pol, ok := p.Named("aws:secretsmanager/secretPolicy:SecretPolicy", "api-key")
	require.True(t, ok)
	assert.Equal(t, true, pol.Inputs["blockPublicPolicy"])
	var doc struct {
		Statement []struct {
			Sid       string
			Effect    string
			Principal any
			Condition map[string]map[string]any
		}
	}
	require.NoError(t, json.Unmarshal([]byte(pol.Inputs["policy"].(string)), &doc))
	require.Len(t, doc.Statement, 2)
	assert.Equal(t, map[string]any{"AWS": reader}, doc.Statement[0].Principal)
	assert.Equal(t, "Deny", doc.Statement[1].Effect)
	assert.ElementsMatch(t, []any{reader, rotatorRl, "arn:aws:iam::111122223333:root"}, doc.Statement[1].Condition["StringNotEquals"]["aws:PrincipalArn"])
}

func TestSecretValidation(t *testing.T) {
	a := args()
	a.RotationDays = 365
	a.ReaderRoleArns = []string{"payments-api"}
	a.RotationLambdaArn = ""
	_, err := plantest.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewSecret(ctx, "s", a)
		return err
	})
	require.Error(t, err)
	for _, want := range []string{
		"rotationDays: must be 1 to 90, got 365",
		`readerRoleArns[0]: must be an IAM role ARN, got "payments-api"`,
		`rotationLambdaArn: must be the ARN of the rotation function, got ""`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}
