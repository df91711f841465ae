// Package kms owns the platform's customer-managed KMS keys: one key per
// purpose, rotated yearly, with an alias and a key policy that names the
// account root and only the AWS services that need the key.
package kms

import (
	"errors"
	"fmt"
	"regexp"

	"platform/internal/naming"
)

// Purpose is what a key protects. Each purpose has its own key so that a
// grant on one (the logs service) never opens another (the data).
type Purpose string

// The purposes the platform uses.
const (
	Data    Purpose = "data"
	Logs    Purpose = "logs"
	Secrets Purpose = "secrets"
	Backup  Purpose = "backup"
	EKS     Purpose = "eks"
)

// AllPurposes are the keys a stack's own region gets.
var AllPurposes = []Purpose{Data, Logs, Secrets, Backup, EKS}

var purposePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// KeysArgs configure a set of keys in one region.
type KeysArgs struct {
	// Namer names the aliases; its region and account go into the policies.
	Namer naming.Namer
	// Purposes are the keys to create, one per purpose.
	Purposes []Purpose
	// AliasSuffix tells two key sets in one region apart (the primary
	// stack's replica keys in the DR region use "replica").
	AliasSuffix string
	// DeletionWindowDays is the wait before a scheduled deletion; default 30.
	DeletionWindowDays int
	// Protect turns on pulumi.Protect for the keys. Keys are always
	// retained on delete: data encrypted under a deleted key is lost.
	Protect bool
}

// DefaultDeletionWindowDays is the AWS maximum, the safest choice.
const DefaultDeletionWindowDays = 30

func (a KeysArgs) withDefaults() KeysArgs {
	if a.DeletionWindowDays == 0 {
		a.DeletionWindowDays = DefaultDeletionWindowDays
	}
	return a
}

// Validate reports every problem of defaulted args with its field path.
func (a KeysArgs) Validate() error {
	var errs []error
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		errs = append(errs, errors.New("namer: account id and region are required for key policies"))
	}
	if len(a.Purposes) == 0 {
		errs = append(errs, errors.New("purposes: at least one purpose is required"))
	}
	seen := map[Purpose]bool{}
	for i, p := range a.Purposes {
		if !purposePattern.MatchString(string(p)) {
			errs = append(errs, fmt.Errorf("purposes[%d]: %q must be lower-case letters, digits and hyphens", i, p))
		}
		if seen[p] {
			errs = append(errs, fmt.Errorf("purposes[%d]: %q is listed twice", i, p))
		}
		seen[p] = true
	}
	if a.DeletionWindowDays < 7 || a.DeletionWindowDays > 30 {
		errs = append(errs, fmt.Errorf("deletionWindowDays: must be between 7 and 30, got %d", a.DeletionWindowDays))
	}
	return errors.Join(errs...)
}
