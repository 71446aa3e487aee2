package calendar

import (
	"testing"
	"time"

	"github.com/tandem-revops/tandem"
)

// TestSLAAcrossZones checks approval-SLA deadlines and warning instants where the calendar's day and
// the UTC day differ: a zone far east of UTC (the local Monday starts on a UTC Sunday), a
// southern-hemisphere DST change, a Sunday–Thursday week, and a warning share other than 75 %.
func TestSLAAcrossZones(t *testing.T) {
	t.Parallel()
	tokyo, sydney, jerusalem := mustZone(t, "Asia/Tokyo"), mustZone(t, "Australia/Sydney"), mustZone(t, "Asia/Jerusalem")
	tests := []struct {
		name            string
		cfg             Config
		budget          time.Duration
		fraction        float64
		start           time.Time
		alert, deadline time.Time
	}{
		// Sunday 23:30 UTC is Monday 08:30 in Tokyo: the clock starts at 09:00 Monday, local.
		{"Tokyo Monday morning is a UTC Sunday", nineToFive("Asia/Tokyo"), 16 * time.Hour, 0.5,
			utc(2026, 3, 1, 23, 30), time.Date(2026, 3, 2, 17, 0, 0, 0, tokyo), time.Date(2026, 3, 3, 17, 0, 0, 0, tokyo)},
		// Friday 16:00 Tokyo with 8 hours: 1 hour Friday, 7 on Monday (the weekend is Tokyo's).
		{"Tokyo Friday afternoon", nineToFive("Asia/Tokyo"), 8 * time.Hour, 0.75,
			time.Date(2026, 3, 6, 16, 0, 0, 0, tokyo), time.Date(2026, 3, 9, 14, 0, 0, 0, tokyo), time.Date(2026, 3, 9, 16, 0, 0, 0, tokyo)},
		// Sydney leaves DST on Sunday 5 April 2026: Friday 3 April (Good Friday) and Monday 6 April
		// (Easter Monday) are holidays, so Thursday 16:00 + 4 hours ends on Tuesday at 12:00, AEST.
		{"Sydney across the end of DST and Easter", nineToFive("Australia/Sydney", "2026-04-03", "2026-04-06"), 4 * time.Hour, 0.75,
			time.Date(2026, 4, 2, 16, 0, 0, 0, sydney), time.Date(2026, 4, 7, 11, 0, 0, 0, sydney), time.Date(2026, 4, 7, 12, 0, 0, 0, sydney)},
		// A Sunday–Thursday week: Thursday 15:00 + 8 hours runs to Sunday 15:00.
		{"Sunday to Thursday week", Config{Timezone: "Asia/Jerusalem", Start: "09:00", End: "17:00",
			Days: []string{"sun", "mon", "tue", "wed", "thu"}}, 8 * time.Hour, 0.25,
			time.Date(2026, 3, 5, 15, 0, 0, 0, jerusalem), time.Date(2026, 3, 5, 17, 0, 0, 0, jerusalem),
			time.Date(2026, 3, 8, 15, 0, 0, 0, jerusalem)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sla := tandem.SLA{Calendar: mustCalendar(t, tt.cfg), Budget: tt.budget}
			if got := sla.AlertAt(tt.start, tt.fraction); !got.Equal(tt.alert) {
				t.Errorf("AlertAt(%v) = %v, want %v", tt.fraction, got.In(tt.alert.Location()), tt.alert)
			}
			if got := sla.Deadline(tt.start); !got.Equal(tt.deadline) {
				t.Errorf("Deadline = %v, want %v", got.In(tt.deadline.Location()), tt.deadline)
			}
			// Counting back agrees: the business time from start to the deadline is the whole budget.
			if got := sla.Calendar.BusinessHoursBetween(tt.start, sla.Deadline(tt.start)); got != tt.budget {
				t.Errorf("BusinessHoursBetween(start, deadline) = %v, want %v", got, tt.budget)
			}
		})
	}
}
