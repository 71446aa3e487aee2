// Package calendar owns business time: a working calendar (working weekdays, daily opening hours in an
// IANA time zone, holiday dates) and the arithmetic SLAs are measured in — adding business hours to an
// instant, counting the business hours between two instants — and the approval SLA built on it, with
// its deadline, its at-risk alert and its status at a given instant.
//
// Every function takes its instants explicitly; nothing here reads the clock. Working hours are wall
// clock times in the calendar's zone, so a working day that contains a daylight-saving change still
// opens and closes at the written times, and business time is counted in real elapsed time between
// them.
package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Config is a calendar as written in the policy file.
type Config struct {
	Timezone string   // IANA zone name, e.g. "Europe/Berlin"; "" means UTC
	Start    string   // opening time, "09:00"
	End      string   // closing time, "17:00"; after Start
	Days     []string // working weekdays: mon, tue, wed, thu, fri, sat, sun
	Holidays []string // dates (YYYY-MM-DD, in the calendar's zone) that are not worked
}

// Calendar is a parsed working calendar. It is immutable and safe for concurrent use.
type Calendar struct {
	loc        *time.Location
	open       int // minutes after midnight
	close      int
	workingDay [7]bool // by time.Weekday
	holidays   map[civilDate]bool
}

// civilDate is a date with no time zone.
type civilDate struct {
	year  int
	month time.Month
	day   int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// next returns the following date.
func (d civilDate) next() civilDate {
	return dateOf(time.Date(d.year, d.month, d.day+1, 12, 0, 0, 0, time.UTC))
}

func (d civilDate) weekday() time.Weekday {
	return time.Date(d.year, d.month, d.day, 12, 0, 0, 0, time.UTC).Weekday()
}

var weekdayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// New parses a calendar. It reports every setting that is wrong, each naming the setting.
func New(c Config) (*Calendar, error) {
	var errs []error
	cal := &Calendar{holidays: map[civilDate]bool{}}
	zone := c.Timezone
	if zone == "" {
		zone = "UTC"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		errs = append(errs, fmt.Errorf("timezone %q is not an IANA time zone", c.Timezone))
		loc = time.UTC
	}
	cal.loc = loc
	clock := func(name, v string) int {
		t, err := time.Parse("15:04", v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q is not a time like 09:00", name, v))
			return 0
		}
		return t.Hour()*60 + t.Minute()
	}
	cal.open, cal.close = clock("start", c.Start), clock("end", c.End)
	if cal.close <= cal.open && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("end %s must be after start %s", c.End, c.Start))
	}
	for _, d := range c.Days {
		wd, ok := weekdayNames[strings.ToLower(strings.TrimSpace(d))]
		if !ok {
			errs = append(errs, fmt.Errorf("days: %q is not a weekday (mon … sun)", d))
			continue
		}
		cal.workingDay[wd] = true
	}
	if !slices.Contains(cal.workingDay[:], true) {
		errs = append(errs, errors.New("days: at least one weekday must be a working day"))
	}
	for _, h := range c.Holidays {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(h))
		if err != nil {
			errs = append(errs, fmt.Errorf("holidays: %q is not a date like 2026-12-25", h))
			continue
		}
		cal.holidays[dateOf(t)] = true
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("business calendar: %w", errors.Join(errs...))
	}
	return cal, nil
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsWorkingDay reports whether the date of t, in the calendar's zone, is a working day: a working
// weekday that is not a holiday.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return c.working(dateOf(t.In(c.loc))) }

func (c *Calendar) working(d civilDate) bool {
	return c.workingDay[d.weekday()] && !c.holidays[d]
}

// hours returns the opening and closing instants of date d.
func (c *Calendar) hours(d civilDate) (open, close time.Time) {
	open = time.Date(d.year, d.month, d.day, c.open/60, c.open%60, 0, 0, c.loc)
	close = time.Date(d.year, d.month, d.day, c.close/60, c.close%60, 0, 0, c.loc)
	return open, close
}

// AddBusinessHours returns the instant (in UTC) at which d of business time has passed since start.
// Time outside working hours does not count: a start before opening counts from opening, a start after
// closing or on a day off counts from the next opening. When d runs out exactly at a closing time the
// result is that closing time. d <= 0 returns start.
func (c *Calendar) AddBusinessHours(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start.UTC()
	}
	cursor := start
	for day := dateOf(start.In(c.loc)); ; day = day.next() {
		if !c.working(day) {
			continue
		}
		open, close := c.hours(day)
		if cursor.Before(open) {
			cursor = open
		}
		if !cursor.Before(close) {
			continue
		}
		if left := close.Sub(cursor); d <= left {
			return cursor.Add(d).UTC()
		} else {
			d -= left
		}
		cursor = close
	}
}

// AddBusinessDays returns the instant (UTC) at which days full working days of business time have
// passed since start: each day counts as the calendar's opening hours, so a start at 10:00 on a
// working day with days 1 ends at 10:00 on the next working day.
func (c *Calendar) AddBusinessDays(start time.Time, days int) time.Time {
	return c.AddBusinessHours(start, time.Duration(days)*time.Duration(c.close-c.open)*time.Minute)
}

// BusinessHoursBetween returns the business time between a and b: the part of [a, b) inside working
// hours. It is zero when b is not after a.
func (c *Calendar) BusinessHoursBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	var total time.Duration
	last := dateOf(b.In(c.loc))
	for day := dateOf(a.In(c.loc)); ; day = day.next() {
		if c.working(day) {
			open, close := c.hours(day)
			from, to := later(open, a), earlier(close, b)
			if to.After(from) {
				total += to.Sub(from)
			}
		}
		if day == last {
			return total
		}
	}
}

func later(x, y time.Time) time.Time {
	if x.After(y) {
		return x
	}
	return y
}

func earlier(x, y time.Time) time.Time {
	if x.Before(y) {
		return x
	}
	return y
}
