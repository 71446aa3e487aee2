package calendar

import (
	"strings"
	"testing"
	"time"

	"github.com/tandem-revops/tandem"
)

func mustCalendar(t *testing.T, c Config) *Calendar {
	t.Helper()
	cal, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s is not available: %v", name, err)
	}
	return loc
}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri"}

func nineToFive(zone string, holidays ...string) Config {
	return Config{Timezone: zone, Start: "09:00", End: "17:00", Days: weekdays, Holidays: holidays}
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestAddBusinessHours(t *testing.T) {
	t.Parallel()
	ny, berlin := mustZone(t, "America/New_York"), mustZone(t, "Europe/Berlin")
	// 2026-03-02 is a Monday; 2026-03-08 is the Sunday New York moves to EDT; 2026-10-25 the Sunday
	// Berlin moves back to CET; 2026-12-25 is a Friday.
	tests := []struct {
		name  string
		cal   Config
		start time.Time
		add   time.Duration
		want  time.Time
	}{
		{"inside one day", nineToFive("UTC"), utc(2026, 3, 2, 10, 0), 4 * time.Hour, utc(2026, 3, 2, 14, 0)},
		{"ends exactly at closing", nineToFive("UTC"), utc(2026, 3, 2, 9, 0), 8 * time.Hour, utc(2026, 3, 2, 17, 0)},
		{"48 hours from Monday opening", nineToFive("UTC"), utc(2026, 3, 2, 9, 0), 48 * time.Hour, utc(2026, 3, 9, 17, 0)},
		{"across a weekend", nineToFive("UTC"), utc(2026, 3, 6, 15, 0), 4 * time.Hour, utc(2026, 3, 9, 11, 0)},
		{"across a holiday and a weekend", nineToFive("UTC", "2026-12-25"), utc(2026, 12, 24, 16, 0), 2 * time.Hour, utc(2026, 12, 28, 10, 0)},
		{"a holiday on the start day", nineToFive("UTC", "2026-03-02"), utc(2026, 3, 2, 10, 0), time.Hour, utc(2026, 3, 3, 10, 0)},
		{"submitted on a Saturday night", nineToFive("UTC"), utc(2026, 3, 7, 22, 0), time.Hour, utc(2026, 3, 9, 10, 0)},
		{"submitted before opening", nineToFive("UTC"), utc(2026, 3, 3, 6, 0), time.Hour, utc(2026, 3, 3, 10, 0)},
		{"submitted after closing", nineToFive("UTC"), utc(2026, 3, 3, 20, 0), time.Hour, utc(2026, 3, 4, 10, 0)},
		{"submitted exactly at closing", nineToFive("UTC"), utc(2026, 3, 3, 17, 0), time.Minute, utc(2026, 3, 4, 9, 1)},
		{"zero hours", nineToFive("UTC"), utc(2026, 3, 7, 22, 0), 0, utc(2026, 3, 7, 22, 0)},
		// Fri 15:00 EST (20:00 UTC) + 48h: 2h Fri, 40h the next week, 6h Monday → 15:00 EDT = 19:00 UTC.
		{"across New York's spring DST change", nineToFive("America/New_York"), time.Date(2026, 3, 6, 15, 0, 0, 0, ny),
			48 * time.Hour, utc(2026, 3, 16, 19, 0)},
		// Fri 15:00 CEST (13:00 UTC) + 48h → Mon 2 Nov 15:00 CET = 14:00 UTC.
		{"across Berlin's autumn DST change", nineToFive("Europe/Berlin"), time.Date(2026, 10, 23, 15, 0, 0, 0, berlin),
			48 * time.Hour, utc(2026, 11, 2, 14, 0)},
		// The same instant, Monday 14:00 UTC, is 09:00 in New York and 15:00 in Berlin.
		{"one instant in New York", nineToFive("America/New_York"), utc(2026, 3, 2, 14, 0), 8 * time.Hour, utc(2026, 3, 2, 22, 0)},
		{"the same instant in Berlin", nineToFive("Europe/Berlin"), utc(2026, 3, 2, 14, 0), 8 * time.Hour, utc(2026, 3, 3, 14, 0)},
		{"a weekend-working calendar", Config{Timezone: "UTC", Start: "10:00", End: "12:00", Days: []string{"sat", "sun"}},
			utc(2026, 3, 2, 9, 0), 3 * time.Hour, utc(2026, 3, 8, 11, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cal := mustCalendar(t, tt.cal)
			got := cal.AddBusinessHours(tt.start, tt.add)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("AddBusinessHours(%v, %v) = %v, want %v (UTC)", tt.start, tt.add, got, tt.want)
			}
			if tt.add > 0 {
				if back := cal.BusinessHoursBetween(tt.start, got); back != tt.add {
					t.Errorf("BusinessHoursBetween(start, result) = %v, want %v", back, tt.add)
				}
			}
		})
	}
}

func TestBusinessHoursBetween(t *testing.T) {
	t.Parallel()
	allDay := func(zone string) Config {
		return Config{Timezone: zone, Start: "00:00", End: "23:59",
			Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}}
	}
	berlin, ny := mustZone(t, "Europe/Berlin"), mustZone(t, "America/New_York")
	tests := []struct {
		name string
		cal  Config
		a, b time.Time
		want time.Duration
	}{
		{"a working week", nineToFive("UTC"), utc(2026, 3, 2, 0, 0), utc(2026, 3, 9, 0, 0), 40 * time.Hour},
		{"a weekend counts nothing", nineToFive("UTC"), utc(2026, 3, 6, 17, 0), utc(2026, 3, 9, 9, 0), 0},
		{"a holiday counts nothing", nineToFive("UTC", "2026-12-25"), utc(2026, 12, 24, 0, 0), utc(2026, 12, 26, 0, 0), 8 * time.Hour},
		{"partial days at both ends", nineToFive("UTC"), utc(2026, 3, 2, 16, 30), utc(2026, 3, 3, 9, 45), 75 * time.Minute},
		{"b before a", nineToFive("UTC"), utc(2026, 3, 3, 0, 0), utc(2026, 3, 2, 0, 0), 0},
		{"holidays are dates in the calendar's zone", nineToFive("America/New_York", "2026-03-02"),
			utc(2026, 3, 2, 0, 0), utc(2026, 3, 3, 5, 0), 0},
		// The night clocks go forward has one hour less: 23h59 Saturday + 22h59 Sunday.
		{"Berlin's spring-forward day is an hour short", allDay("Europe/Berlin"), time.Date(2026, 3, 28, 0, 0, 0, 0, berlin),
			time.Date(2026, 3, 30, 0, 0, 0, 0, berlin), 46*time.Hour + 58*time.Minute},
		{"New York's fall-back day is an hour long", allDay("America/New_York"), time.Date(2026, 11, 1, 0, 0, 0, 0, ny),
			time.Date(2026, 11, 2, 0, 0, 0, 0, ny), 24*time.Hour + 59*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mustCalendar(t, tt.cal).BusinessHoursBetween(tt.a, tt.b); got != tt.want {
				t.Errorf("BusinessHoursBetween(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestAddAndBetweenAgree checks, over a grid of starts (every 97 minutes for six weeks spanning New
// York's DST change, with a holiday) and durations, that counting back the business hours added gives
// the duration added, and that the result is always inside working hours.
func TestAddAndBetweenAgree(t *testing.T) {
	t.Parallel()
	cal := mustCalendar(t, Config{Timezone: "America/New_York", Start: "08:30", End: "17:45", Days: weekdays,
		Holidays: []string{"2026-03-17"}})
	for start := utc(2026, 2, 20, 0, 0); start.Before(utc(2026, 4, 3, 0, 0)); start = start.Add(97 * time.Minute) {
		for _, d := range []time.Duration{time.Minute, 90 * time.Minute, 9*time.Hour + 15*time.Minute, 36 * time.Hour, 48 * time.Hour} {
			end := cal.AddBusinessHours(start, d)
			if got := cal.BusinessHoursBetween(start, end); got != d {
				t.Fatalf("start %v + %v = %v, but %v between them", start, d, end, got)
			}
			local := end.In(cal.Location())
			hm := local.Hour()*60 + local.Minute()
			if !cal.IsWorkingDay(end) || hm < 8*60+30 || hm > 17*60+45 {
				t.Fatalf("start %v + %v = %v (%v local) is outside working hours", start, d, end, local)
			}
		}
	}
}

func TestSLA(t *testing.T) {
	t.Parallel()
	sla := tandem.SLA{Calendar: mustCalendar(t, nineToFive("UTC", "2026-03-13")), Budget: 48 * time.Hour}
	tests := []struct {
		name            string
		start           time.Time
		alert, deadline time.Time
		statusAt        map[time.Time]tandem.SLAStatus
	}{
		{"submitted at Monday opening", utc(2026, 3, 2, 9, 0),
			utc(2026, 3, 6, 13, 0), utc(2026, 3, 9, 17, 0),
			map[time.Time]tandem.SLAStatus{
				utc(2026, 3, 2, 9, 0):                         tandem.SLAOnTrack,
				utc(2026, 3, 6, 13, 0).Add(-time.Microsecond): tandem.SLAOnTrack,
				utc(2026, 3, 6, 13, 0):                        tandem.SLAAtRisk,
				utc(2026, 3, 9, 17, 0).Add(-time.Microsecond): tandem.SLAAtRisk,
				utc(2026, 3, 9, 17, 0):                        tandem.SLABreached,
				utc(2026, 4, 1, 0, 0):                         tandem.SLABreached,
			}},
		// Friday evening counts from Monday opening; Friday the 13th is a holiday, so the alert moves to
		// Monday the 16th and the deadline to Tuesday the 17th.
		{"submitted on Friday evening, with a holiday", utc(2026, 3, 6, 18, 0),
			utc(2026, 3, 16, 13, 0), utc(2026, 3, 17, 17, 0),
			map[time.Time]tandem.SLAStatus{
				utc(2026, 3, 13, 23, 0): tandem.SLAOnTrack,
				utc(2026, 3, 16, 13, 0): tandem.SLAAtRisk,
				utc(2026, 3, 17, 17, 0): tandem.SLABreached,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := sla.AlertAt(tt.start, tandem.SLAAtRiskFraction); !got.Equal(tt.alert) {
				t.Errorf("AlertAt(75%%) = %v, want %v", got, tt.alert)
			}
			if got := sla.Deadline(tt.start); !got.Equal(tt.deadline) {
				t.Errorf("Deadline = %v, want %v", got, tt.deadline)
			}
			for now, want := range tt.statusAt {
				if got := sla.Status(tt.start, now); got != want {
					t.Errorf("Status at %v = %s, want %s", now, got, want)
				}
			}
		})
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown zone", Config{Timezone: "Mars/Olympus", Start: "09:00", End: "17:00", Days: weekdays}, `timezone "Mars/Olympus"`},
		{"bad start", Config{Start: "9am", End: "17:00", Days: weekdays}, `start "9am" is not a time`},
		{"end before start", Config{Start: "17:00", End: "09:00", Days: weekdays}, "end 09:00 must be after start 17:00"},
		{"no working day", Config{Start: "09:00", End: "17:00"}, "at least one weekday"},
		{"bad weekday", Config{Start: "09:00", End: "17:00", Days: []string{"mon", "funday"}}, `"funday" is not a weekday`},
		{"bad holiday", Config{Start: "09:00", End: "17:00", Days: weekdays, Holidays: []string{"25/12/2026"}}, `"25/12/2026" is not a date`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New(%+v) = %v, want an error containing %q", tt.cfg, err, tt.want)
			}
		})
	}
}

func BenchmarkDeadline(b *testing.B) {
	cal, err := New(nineToFive("Europe/Berlin", "2026-12-25", "2026-12-26", "2027-01-01"))
	if err != nil {
		b.Fatal(err)
	}
	sla := tandem.SLA{Calendar: cal, Budget: 48 * time.Hour}
	start := utc(2026, 12, 23, 15, 0)
	for b.Loop() {
		sla.Deadline(start)
	}
}
