package policydoc

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJSON(t *testing.T) {
	doc := New(Statement{
		Sid:       "DenyInsecureTransport",
		Effect:    Deny,
		Principal: Anyone,
		Action:    "s3:*",
		Resource:  []string{"arn:aws:s3:::b", "arn:aws:s3:::b/*"},
		Condition: Conditions{"Bool": {"aws:SecureTransport": "false"}},
	}, Statement{Effect: Allow, Principal: Service("logs.us-east-1.amazonaws.com"), Action: "kms:Decrypt", Resource: "*"})
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*",
		 "Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Effect":"Allow","Principal":{"Service":"logs.us-east-1.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]}`, doc.JSON())
}

func TestPrincipals(t *testing.T) {
	assert.Equal(t, map[string]any{"AWS": "a"}, AWS("a"))
	assert.Equal(t, map[string]any{"AWS": []string{"a", "b"}}, AWS("a", "b"))
}

func TestServiceTrust(t *testing.T) {
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},
		"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}`,
		ServiceTrust("backup.amazonaws.com", "111122223333").JSON())
}
