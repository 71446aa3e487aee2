package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// A backup taken while a writer commits is one instant of the database: every account in it has its
// audit entry (they are written in one transaction), the audit chain verifies, and the file is sound.
func TestBackupIsConsistentUnderWrites(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	var written atomic.Int64
	stop, done := make(chan struct{}), make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			a := &tandem.Account{ExternalID: fmt.Sprintf("B-%d", i), Name: fmt.Sprintf("Backup Co %d", i), Country: "US"}
			if err := s.CreateAccount(ctx, admin, a); err != nil {
				done <- err
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 50 { // let the writer get going; it keeps writing during the backup
		select {
		case err := <-done:
			t.Fatal(err)
		default:
			runtime.Gosched()
		}
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	must(t, s.BackupTo(ctx, path))
	before := written.Load()
	for written.Load() < before+20 { // and after it
		runtime.Gosched()
	}
	close(stop)
	must(t, <-done)

	b, err := Open(ctx, path, nil)
	must(t, err)
	defer b.Close()
	must(t, b.CheckIntegrity(ctx))
	v, err := b.VerifyAudit(ctx)
	must(t, err)
	if !v.OK() {
		t.Fatalf("the backup's audit chain: %+v", v)
	}
	var accounts, entries int
	must(t, b.read.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&accounts))
	must(t, b.read.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'account.create'`).Scan(&entries))
	if accounts == 0 || accounts != entries {
		t.Fatalf("backup holds %d accounts and %d account.create entries: not one instant", accounts, entries)
	}
	if int64(accounts) >= written.Load() {
		t.Errorf("backup holds %d accounts, the writer wrote %d in all: the backup did not run during the writes", accounts, written.Load())
	}
	if err := s.BackupTo(ctx, path); err == nil {
		t.Error("a backup over an existing file was written")
	}
}
