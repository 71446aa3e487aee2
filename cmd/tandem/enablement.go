package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/enablement"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

const enablementSynopsis = `[-db URL] import-spend FILE.csv | import-lms FILE.csv | sync-spiffs | expire-mdf [-at YYYY-MM-DD]

  import-spend  store a spend CSV in the enablement ledger, every row or none (columns month, motion,
                kind, amount, currency; optional segment, region, product, partner, note)
  import-lms    store the certifications of an LMS export, all or none (person, curriculum, earned;
                optional partner, expires)
  sync-spiffs   bring the SPIFFs of every closed compensation quarter into the ledger (each once)
  expire-mdf    expire the open MDF requests of every fund whose period is over (default: now)

Each prints how many records were new. Runs as the system, as the server's jobs do.`

func runEnablement(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "enablement", enablementSynopsis)
	db := databaseFlag(fs)
	at := fs.String("at", "", "expire-mdf: the day it is, YYYY-MM-DD (default today)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: say import-spend, import-lms, sync-spiffs or expire-mdf", errUsage)
	}
	needsFile := pos[0] == "import-spend" || pos[0] == "import-lms"
	switch {
	case pos[0] != "import-spend" && pos[0] != "import-lms" && pos[0] != "sync-spiffs" && pos[0] != "expire-mdf":
		return fmt.Errorf("%w: unknown enablement command %q (import-spend, import-lms, sync-spiffs, expire-mdf)", errUsage, pos[0])
	case needsFile && len(pos) != 2:
		return fmt.Errorf("%w: enablement %s takes one FILE", errUsage, pos[0])
	case !needsFile && len(pos) != 1:
		return fmt.Errorf("%w: enablement %s takes no arguments", errUsage, pos[0])
	}
	now := time.Now().UTC()
	if *at != "" {
		if now, err = time.Parse(time.DateOnly, *at); err != nil {
			return fmt.Errorf("%w: -at %q is not a date like 2026-07-01", errUsage, *at)
		}
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		svc := &enablement.Service{Store: st}
		var n int
		var err error
		switch pos[0] {
		case "import-spend", "import-lms":
			f, err := os.Open(pos[1])
			if err != nil {
				return err
			}
			defer f.Close()
			if pos[0] == "import-spend" {
				n, err = svc.ImportSpend(ctx, tandem.SystemActor, filepath.Base(pos[1]), f)
			} else {
				n, err = svc.ImportLMS(ctx, tandem.SystemActor, filepath.Base(pos[1]), f)
			}
			if err != nil {
				return err
			}
		case "sync-spiffs":
			if n, err = svc.SyncSPIFFs(ctx, tandem.SystemActor); err != nil {
				return err
			}
		case "expire-mdf":
			st.SetClock(func() time.Time { return now })
			res, err := svc.ExpireDue(ctx, now)
			if err != nil {
				return err
			}
			n = res.Requests
		}
		fmt.Fprintf(env.Stdout, "%s: %d new\n", pos[0], n)
		return nil
	})
}
