package importjob_test

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/importer"
	"github.com/tandem-revops/tandem/internal/importjob"
	"github.com/tandem-revops/tandem/internal/sqlstore"
	"github.com/tandem-revops/tandem/internal/sqlstore/sqlstoretest"
)

// BenchmarkRunHistory imports a Salesforce field history of 100,000 rows over 20,000 deals (five
// changes each) on each engine. "import" stores them all (each round's file is a day later, so every
// change is new); "reimport" imports a stored file again, whose store phase only finds every change
// stored. Rounds move the changes a day on: run it with -benchtime of at most 10x. Beside ns/op it reports the read's and the store phase's milliseconds, split where the read
// reports its last row (the progress callback).
func BenchmarkRunHistory(b *testing.B) {
	const deals, rows = 20_000, 100_000
	for engine, st := range sqlstoretest.Engines(b) {
		seedDeals(b, st, deals)
		story := func(round int) string {
			changes := make([]fieldChange, 0, rows)
			for i := range deals {
				for _, c := range dealStory(i) {
					c.day += round
					changes = append(changes, c)
				}
				changes = append(changes, fieldChange{i, 20 + round, "StageName", "Qualification", "Proposal/Price Quote"})
			}
			return fieldHistoryCSV(changes)
		}
		round := 0
		b.Run(engine+"/import", func(b *testing.B) {
			var times phaseTimes
			for b.Loop() {
				b.StopTimer()
				round++
				csv := story(round)
				b.StartTimer()
				times.add(timedRun(b, st, csv, rows, rows))
			}
			reportPhases(b, times)
		})
		csv := story(round) // stored by the last round
		b.Run(engine+"/reimport", func(b *testing.B) {
			var times phaseTimes
			for b.Loop() {
				times.add(timedRun(b, st, csv, rows, 0))
			}
			reportPhases(b, times)
		})
	}
}

// phaseTimes are how long the read and the store phase took, on the clock and in this process's CPU
// (the machine is shared: CPU time moves less with the load; PostgreSQL's own CPU is not in it).
type phaseTimes struct{ read, store, readCPU, storeCPU time.Duration }

func (p *phaseTimes) add(q phaseTimes) {
	p.read, p.store, p.readCPU, p.storeCPU = p.read+q.read, p.store+q.store, p.readCPU+q.readCPU, p.storeCPU+q.storeCPU
}

// timedRun imports csv (rows rows) into st, wanting stored changes stored, and returns how long the read
// and the store phase took, split where the read reports its last row.
func timedRun(b *testing.B, st *sqlstore.Store, csv string, rows, stored int) phaseTimes {
	var readEnd time.Time
	var readEndCPU time.Duration
	start, startCPU := time.Now(), processCPU()
	opts := importer.HistoryOptions{Progress: func(p importer.Progress) {
		if p.Rows == rows && readEnd.IsZero() {
			readEnd, readEndCPU = time.Now(), processCPU()
		}
	}}
	rep, err := importjob.RunHistory(context.Background(), st, tandem.SystemActor, strings.NewReader(csv), "history.csv", opts, false)
	end, endCPU := time.Now(), processCPU()
	if err != nil || rep.Stored != stored || rep.Rows != rows {
		b.Fatalf("%v: %d rows, %d stored, want %d, %d", err, rep.Rows, rep.Stored, rows, stored)
	}
	return phaseTimes{read: readEnd.Sub(start), store: end.Sub(readEnd), readCPU: readEndCPU - startCPU, storeCPU: endCPU - readEndCPU}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportPhases(b *testing.B, p phaseTimes) {
	n := float64(b.N)
	b.ReportMetric(float64(p.read.Milliseconds())/n, "read-ms/op")
	b.ReportMetric(float64(p.store.Milliseconds())/n, "store-ms/op")
	b.ReportMetric(float64(p.readCPU.Milliseconds())/n, "read-cpu-ms/op")
	b.ReportMetric(float64(p.storeCPU.Milliseconds())/n, "store-cpu-ms/op")
}
