package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tandem-revops/tandem/internal/sqlstore"
)

const auditUsage = `Usage:
  tandem audit verify [-db URL] [-json]   check the audit log's hash chain; exit 1 at the first broken link`

// runAudit checks the audit log.
func runAudit(ctx context.Context, env *Env, args []string) error {
	return runSubcommand(ctx, env, args, auditUsage, subcommand{"verify", runAuditVerify})
}

// runAuditVerify walks the chain. It prints the entries checked and the head's hash (worth recording
// elsewhere: it anchors everything before it) or the first broken link, and then exits 1.
func runAuditVerify(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit verify", "[-db URL] [-json]")
	db := databaseFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		v, err := st.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			b, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("encode result: %w", err)
			}
			fmt.Fprintln(env.Stdout, string(b))
		}
		if !v.OK() {
			if !*asJSON {
				fmt.Fprintf(env.Stderr, "tandem audit verify: BROKEN after %d good entries: %s\n", v.Entries, v.Reason)
			}
			return errSilentFailure
		}
		if !*asJSON {
			fmt.Fprintf(env.Stdout, "audit log verified: %d entries, head %s\n", v.Entries, v.Head)
		}
		return nil
	})
}
