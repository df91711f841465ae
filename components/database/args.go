// Package database owns the platform's RDS PostgreSQL: a Multi-AZ primary
// with RDS-managed credentials, IAM authentication, a TLS-only parameter
// group, encrypted storage, logs and Performance Insights, read replicas,
// alarms, and the cross-region pieces (automated-backup replication, and
// the DR stack's cross-region replica that a config change promotes).
package database

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
)

// DatabaseArgs configure the database.
type DatabaseArgs struct {
	// Namer gives the identifiers and the account and region for ARNs.
	Namer naming.Namer
	// EngineVersion is the pinned PostgreSQL version, such as "16.4".
	EngineVersion string
	// InstanceClass is the instance size (production: a Graviton class).
	InstanceClass string
	// AllocatedStorageGb and MaxAllocatedStorageGb bound gp3 autoscaling.
	AllocatedStorageGb    int
	MaxAllocatedStorageGb int
	// MultiAZ defaults to true: a standby in another AZ takes over.
	MultiAZ *bool
	// VpcID and SubnetGroupName place the database in the data tier.
	VpcID           pulumi.StringInput
	SubnetGroupName pulumi.StringInput
	// ClientCidrs may connect on 5432: the private (workload) tier.
	ClientCidrs []string
	// DataKmsKeyArn encrypts storage and Performance Insights;
	// SecretsKmsKeyArn encrypts the RDS-managed master secret;
	// LogsKmsKeyArn encrypts the exported log groups.
	DataKmsKeyArn    pulumi.StringInput
	SecretsKmsKeyArn pulumi.StringInput
	LogsKmsKeyArn    pulumi.StringInput
	// BackupRetentionDays of automated backups (point-in-time recovery).
	BackupRetentionDays int
	// BackupWindow and MaintenanceWindow in UTC, not overlapping.
	BackupWindow      string
	MaintenanceWindow string
	// LogMinDurationStatementMs logs statements slower than this.
	LogMinDurationStatementMs int
	// LogRetentionDays of the exported PostgreSQL logs.
	LogRetentionDays int
	// MonitoringIntervalSeconds of enhanced monitoring (1, 5, 10, 15, 30, 60).
	MonitoringIntervalSeconds int
	// ReadReplicas in the same region, for read scaling.
	ReadReplicas int
	// ReadReplicaMultiAZ gives each read replica a standby of its own.
	// False by default: a replica serves reads and the primary is the one
	// that must survive an AZ failure.
	ReadReplicaMultiAZ bool
	// ReplicaLagAlarmSeconds pages before a replica falls behind the RPO.
	ReplicaLagAlarmSeconds int
	// AlarmTopicArn receives every alarm.
	AlarmTopicArn pulumi.StringInput
	// ReplicaOf makes this a cross-region read replica of the database with
	// this ARN (the dr stack). Nil makes a primary; setting it to nil on a
	// replica promotes it in place (same URN, same identifier).
	ReplicaOf pulumi.StringInput
	// Protect turns on pulumi.Protect. Instances are always retained on
	// delete and have deletion protection.
	Protect bool
	// Tags are extra tags; backup=true is added to primaries (and so to a
	// promoted replica), which the backup plan selects.
	Tags map[string]string
}

// Defaults, safe for production.
const (
	DefaultAllocatedStorageGb        = 100
	DefaultMaxAllocatedStorageGb     = 1000
	DefaultBackupRetentionDays       = 14
	DefaultBackupWindow              = "03:00-04:00"
	DefaultMaintenanceWindow         = "sun:04:30-sun:05:30"
	DefaultLogMinDurationStatementMs = 500
	DefaultLogRetentionDays          = 365
	DefaultMonitoringIntervalSeconds = 30
	// DefaultReplicaLagAlarmSeconds is a third of the 15-minute RPO, so
	// operators hear of lag long before data at risk exceeds it.
	DefaultReplicaLagAlarmSeconds = 300
	// Port is PostgreSQL's.
	Port = 5432
)

var (
	versionPattern = regexp.MustCompile(`^([0-9]{2})\.[0-9]+$`)
	classPattern   = regexp.MustCompile(`^db\.[a-z0-9]+\.[a-z0-9]+$`)
	windowPattern  = regexp.MustCompile(`^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$`)
	monitoringOK   = map[int]bool{1: true, 5: true, 10: true, 15: true, 30: true, 60: true}
)

func (a DatabaseArgs) withDefaults() DatabaseArgs {
	if a.MultiAZ == nil {
		on := true
		a.MultiAZ = &on
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&a.AllocatedStorageGb, DefaultAllocatedStorageGb)
	def(&a.MaxAllocatedStorageGb, DefaultMaxAllocatedStorageGb)
	def(&a.BackupRetentionDays, DefaultBackupRetentionDays)
	def(&a.LogMinDurationStatementMs, DefaultLogMinDurationStatementMs)
	def(&a.LogRetentionDays, DefaultLogRetentionDays)
	def(&a.MonitoringIntervalSeconds, DefaultMonitoringIntervalSeconds)
	def(&a.ReplicaLagAlarmSeconds, DefaultReplicaLagAlarmSeconds)
	if a.BackupWindow == "" {
		a.BackupWindow = DefaultBackupWindow
	}
	if a.MaintenanceWindow == "" {
		a.MaintenanceWindow = DefaultMaintenanceWindow
	}
	return a
}

// MajorVersion is the major engine version of a version such as "16.4".
func MajorVersion(v string) string {
	if m := versionPattern.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return ""
}

// Validate reports every problem of defaulted args with its field path.
func (a DatabaseArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if MajorVersion(a.EngineVersion) == "" {
		add("engineVersion: must be a pinned PostgreSQL version such as 16.4, got %q", a.EngineVersion)
	}
	if !classPattern.MatchString(a.InstanceClass) {
		add("instanceClass: must be an RDS instance class such as db.r6g.xlarge, got %q", a.InstanceClass)
	}
	if a.AllocatedStorageGb < 20 || a.MaxAllocatedStorageGb < a.AllocatedStorageGb {
		add("maxAllocatedStorageGb: storage must be at least 20 GB and autoscale above allocatedStorageGb (%d), got %d", a.AllocatedStorageGb, a.MaxAllocatedStorageGb)
	}
	if a.VpcID == nil || a.SubnetGroupName == nil {
		add("vpcId, subnetGroupName: are required: the database lives in the data subnets")
	}
	if len(a.ClientCidrs) == 0 {
		add("clientCidrs: name the workload tier's CIDRs that may connect")
	}
	for i, c := range a.ClientCidrs {
		if p, err := netip.ParsePrefix(c); err != nil || p.Bits() == 0 {
			add("clientCidrs[%d]: must be a private CIDR block, got %q", i, c)
		}
	}
	if a.DataKmsKeyArn == nil || a.LogsKmsKeyArn == nil || (a.ReplicaOf == nil && a.SecretsKmsKeyArn == nil) {
		add("dataKmsKeyArn, logsKmsKeyArn, secretsKmsKeyArn: customer-managed keys are required")
	}
	if a.BackupRetentionDays < 1 || a.BackupRetentionDays > 35 {
		add("backupRetentionDays: must be 1 to 35, got %d", a.BackupRetentionDays)
	}
	if !windowPattern.MatchString(a.BackupWindow) {
		add("backupWindow: must be hh:mm-hh:mm in UTC, got %q", a.BackupWindow)
	}
	if !strings.Contains(a.MaintenanceWindow, "-") {
		add("maintenanceWindow: must be ddd:hh:mm-ddd:hh:mm in UTC, got %q", a.MaintenanceWindow)
	}
	if !monitoringOK[a.MonitoringIntervalSeconds] {
		add("monitoringIntervalSeconds: must be 1, 5, 10, 15, 30 or 60, got %d", a.MonitoringIntervalSeconds)
	}
	if a.ReadReplicas < 0 || a.ReadReplicas > 5 {
		add("readReplicas: must be 0 to 5, got %d", a.ReadReplicas)
	}
	if a.ReplicaLagAlarmSeconds < 1 || a.ReplicaLagAlarmSeconds >= 900 {
		add("replicaLagAlarmSeconds: must be under the 15-minute RPO (900), got %d", a.ReplicaLagAlarmSeconds)
	}
	if a.AlarmTopicArn == nil {
		add("alarmTopicArn: is required: alarms must reach someone")
	}
	return errors.Join(errs...)
}
