// Package network owns the platform's VPC: three subnet tiers across the
// availability zones, internet and NAT gateways, per-AZ routing, flow logs,
// NACLs, the stripped default security group, VPC endpoints, and the RDS and
// ElastiCache subnet groups of the data tier.
package network

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
)

// NatMode is how many NAT gateways the VPC gets.
type NatMode string

// NAT modes.
const (
	// NatPerAZ puts one NAT gateway in each AZ, so an AZ failure only
	// takes that AZ's egress with it.
	NatPerAZ NatMode = "perAz"
	// NatSingle shares one NAT gateway: cheaper, for non-production.
	NatSingle NatMode = "single"
)

// DefaultInterfaceEndpoints keep AWS API traffic of the workloads off the
// NAT gateways and the internet.
var DefaultInterfaceEndpoints = []string{"ecr.api", "ecr.dkr", "sts", "secretsmanager", "kms", "logs"}

// GatewayEndpoints are free and route S3 and DynamoDB privately.
var GatewayEndpoints = []string{"s3", "dynamodb"}

// VpcArgs configure the VPC.
type VpcArgs struct {
	// Namer gives physical names and the region and account for ARNs.
	Namer naming.Namer
	// CidrBlock is the VPC's IPv4 block, /16 to /20.
	CidrBlock string
	// AvailabilityZones, at least three; the subnet plan keys on the letter.
	AvailabilityZones []string
	// NatMode defaults to one NAT gateway per AZ.
	NatMode NatMode
	// FlowLogRetentionDays defaults to 365.
	FlowLogRetentionDays int
	// FlowLogKmsKeyArn encrypts the flow log group (the logs key). Required.
	FlowLogKmsKeyArn pulumi.StringInput
	// InterfaceEndpoints are the AWS services reached through interface
	// endpoints in the private subnets; defaults to DefaultInterfaceEndpoints.
	InterfaceEndpoints []string
	// DatabasePort and CachePort are the only ports the data tier's NACL
	// admits; defaults 5432 (PostgreSQL) and 6379 (Redis).
	DatabasePort int
	CachePort    int
}

// Defaults.
const (
	DefaultFlowLogRetentionDays = 365
	DefaultDatabasePort         = 5432
	DefaultCachePort            = 6379
	// MinAZs is the fewest AZs a VPC spans (control 9).
	MinAZs = 3
)

func (a VpcArgs) withDefaults() VpcArgs {
	if a.NatMode == "" {
		a.NatMode = NatPerAZ
	}
	if a.FlowLogRetentionDays == 0 {
		a.FlowLogRetentionDays = DefaultFlowLogRetentionDays
	}
	if a.InterfaceEndpoints == nil {
		a.InterfaceEndpoints = DefaultInterfaceEndpoints
	}
	if a.DatabasePort == 0 {
		a.DatabasePort = DefaultDatabasePort
	}
	if a.CachePort == 0 {
		a.CachePort = DefaultCachePort
	}
	return a
}

// Validate reports every problem of defaulted args with its field path.
func (a VpcArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if len(a.AvailabilityZones) < MinAZs {
		add("availabilityZones: need at least %d availability zones, got %d", MinAZs, len(a.AvailabilityZones))
	}
	if _, err := netip.ParsePrefix(a.CidrBlock); err != nil {
		add("cidrBlock: must be a CIDR block, got %q", a.CidrBlock)
	} else if _, err := PlanSubnets(a.CidrBlock, a.AvailabilityZones); err != nil {
		add("cidrBlock: %v", err)
	}
	if a.NatMode != NatPerAZ && a.NatMode != NatSingle {
		add("natMode: must be %q or %q, got %q", NatPerAZ, NatSingle, a.NatMode)
	}
	if a.FlowLogRetentionDays < 1 {
		add("flowLogRetentionDays: must be positive, got %d", a.FlowLogRetentionDays)
	}
	if a.FlowLogKmsKeyArn == nil {
		add("flowLogKmsKeyArn: is required: flow logs are encrypted with the logs key")
	}
	return errors.Join(errs...)
}
