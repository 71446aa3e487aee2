package importer

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
	"github.com/tandem-revops/tandem/internal/policy"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

const benchAccounts = 100

// benchOpportunitiesCSV generates n opportunities in a Salesforce-like export, their ids starting with prefix.
func benchOpportunitiesCSV(n int, prefix string) string {
	var b strings.Builder
	b.WriteString("Opportunity ID,Opportunity Name,Account ID,Amount,Stage,Close Date,Created Date,Billing Country,Product Family\r\n")
	stages := []string{"Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"}
	countries := []string{"United States", "Germany", "UK", "France", "Japan"}
	for i := range n {
		fmt.Fprintf(&b, "%s%07d,Deal %d,ACC%03d,\"$%d,%03d.%02d\",%s,%d/%d/2026,2025-%02d-%02d,%s,Core\r\n",
			prefix, i, i, i%benchAccounts, 1+i%900, i%1000, i%100, stages[i%len(stages)], 1+i%12, 1+i%28, 1+i%12, 1+i%28,
			countries[i%len(countries)])
	}
	return b.String()
}

var benchRows = flag.Int("rows", 0, "rows imported per round by BenchmarkImportOpportunities/sqlite (default 20000; env TANDEM_BENCH_ROWS)")

func benchRowCount() int {
	if *benchRows > 0 {
		return *benchRows
	}
	if n, err := strconv.Atoi(os.Getenv("TANDEM_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 20_000
}

// BenchmarkImportOpportunities reports rows/s for the importer alone (reading, mapping, parsing,
// validation, duplicate ids and routing, with references resolved from memory, 20,000 rows) and end to
// end for -rows rows: a generated CSV file imported into a real SQLite store in one transaction and
// committed. Both route with the built-in rules of engagement (policy.Default), as a real import does,
// so every deal is stored with the rule's explanation (about 100 bytes). The end-to-end figure also
// comes as rows per CPU-second of the process, which stays meaningful when other work competes for the
// CPU.
func BenchmarkImportOpportunities(b *testing.B) {
	b.Run("importer", func(b *testing.B) {
		const rows = 20_000
		input := benchOpportunitiesCSV(rows, "006")
		lookups := map[lookupKey]map[string]int64{{"accounts", byExternalID}: {}}
		for i := range benchAccounts {
			lookups[lookupKey{"accounts", byExternalID}][fmt.Sprintf("ACC%03d", i)] = int64(i + 1)
		}
		b.SetBytes(int64(len(input)))
		b.ReportAllocs()
		for b.Loop() {
			if n := checkOnly(b, input, lookups); n != rows {
				b.Fatalf("%d good rows, want %d", n, rows)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})

	b.Run("sqlite", func(b *testing.B) {
		rows := benchRowCount()
		ctx := context.Background()
		path := filepath.Join(b.TempDir(), "bench.db")
		store, err := sqlstore.Open(ctx, path, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		var accounts strings.Builder
		accounts.WriteString("external_id,name\n")
		for i := range benchAccounts {
			fmt.Fprintf(&accounts, "ACC%03d,Account %d\n", i, i)
		}
		runImport(b, store, Options{Kind: "accounts"}, accounts.String())
		var elapsed, cpu time.Duration
		round := 0
		for b.Loop() {
			b.StopTimer()
			// A fresh id prefix per round, so every round inserts.
			round++
			input := benchOpportunitiesCSV(rows, fmt.Sprintf("R%d-", round))
			runtime.GC()
			b.StartTimer()
			start, cpuStart := time.Now(), cpuTime()
			r := runImport(b, store, Options{Kind: "opportunities", Router: policy.Default()}, input)
			elapsed += time.Since(start)
			cpu += cpuTime() - cpuStart
			if r.Counts.Inserted != rows {
				b.Fatalf("inserted %d, want %d", r.Counts.Inserted, rows)
			}
		}
		b.ReportMetric(float64(rows*b.N)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(rows*b.N)/cpu.Seconds(), "rows/cpu-s")
		// The bulk path (indexes rebuilt at commit, constraints checked by the import) must leave a sound
		// database behind.
		b.StopTimer()
		checkIntegrity(b, path)
	})
}

// checkIntegrity fails b unless SQLite's integrity check passes on the database file at path.
func checkIntegrity(b *testing.B, path string) {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var result string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&result); err != nil {
		b.Fatal(err)
	}
	if result != "ok" {
		b.Fatalf("integrity check after the import: %s", result)
	}
}

// cpuTime returns the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func runImport(b *testing.B, store *sqlstore.Store, opts Options, input string) Report {
	b.Helper()
	ctx := context.Background()
	tx, err := store.BeginImport(ctx, tandem.SystemActor)
	if err != nil {
		b.Fatal(err)
	}
	r, err := New(opts).Run(ctx, tx, strings.NewReader(input), "bench.csv")
	if err != nil || r.Refused {
		tx.Rollback()
		b.Fatalf("import: %v %v", err, r.Errors)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return r
}

// checkOnly runs every stage of an opportunities import except the store's: lookups come from memory
// and nothing is written. It returns the number of good rows.
func checkOnly(b *testing.B, input string, lookups map[lookupKey]map[string]int64) int {
	imp := New(Options{Kind: "opportunities", Router: policy.Default()})
	imp.now = time.Now()
	imp.tiers = map[int64]tandem.Tier{}
	rd, err := csvio.NewReader(strings.NewReader(input))
	if err != nil {
		b.Fatal(err)
	}
	lay, err := compileLayout("opportunities", "auto", nil, rd, false)
	if err != nil {
		b.Fatal(err)
	}
	imp.layout, imp.header = lay, rd.Header()
	spec := opportunitiesSpec(imp, lay)
	p := &rowParser{vocab: imp.vocab, layout: lay}
	size := imp.opts.BatchSize
	rows := make([]opportunityRow, 0, size)
	metas := make([]rowMeta, 0, size)
	arena := make([]string, 0, size*len(rd.Header()))
	good := 0
	flush := func() {
		applyRefs(metas, lookups)
		for i := range metas {
			if metas[i].ok() {
				if err := spec.validate(&rows[i]); err != nil {
					metas[i].errs = append(metas[i].errs, validationError(p, &metas[i], spec.fields, err))
				}
			}
			if metas[i].ok() {
				if err := imp.routeOne(&rows[i], tandem.RoutingState{}); err != nil {
					b.Fatal(err)
				}
				good++
			} else {
				b.Fatalf("line %d: %v", metas[i].line, metas[i].errs)
			}
		}
		rows, metas, arena = rows[:0], metas[:0], arena[:0]
	}
	for ordinal := 1; ; ordinal++ {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		start := len(arena)
		arena = append(arena, rec.Fields...)
		rows = append(rows, opportunityRow{})
		metas = append(metas, rowMeta{line: rec.Line, ordinal: ordinal, fields: arena[start:len(arena):len(arena)]})
		parseRecord(imp, p, &spec, lay.sources["external_id"], nil, &rows[len(rows)-1], &metas[len(metas)-1])
		if len(rows) == size {
			flush()
		}
	}
	flush()
	return good
}
