package device

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	kolkata := time.FixedZone("IST", 19800)
	tests := []struct {
		in     string
		zone   *time.Location
		utc    string // RFC 3339
		local  string
		offset int
		zoned  bool
	}{
		{"2020-09-17 07:48:22 GMT +0530", nil, "2020-09-17T02:18:22Z", "2020-09-17 07:48:22", 19800, true},
		{"2020-09-17 07:48:22 GMT+0530", nil, "2020-09-17T02:18:22Z", "2020-09-17 07:48:22", 19800, true},
		{"2020-09-17 07:48:22 GMT +05:30", nil, "2020-09-17T02:18:22Z", "2020-09-17 07:48:22", 19800, true},
		{"2020-09-17 07:48:22 +530", nil, "2020-09-17T02:18:22Z", "2020-09-17 07:48:22", 19800, true},
		{"2024-09-17 08:00:00 GMT +0300", nil, "2024-09-17T05:00:00Z", "2024-09-17 08:00:00", 10800, true},
		{"2024-01-05 23:30:00 GMT -0500", nil, "2024-01-06T04:30:00Z", "2024-01-05 23:30:00", -18000, true},
		{"2024-01-05 23:30:00 GMT -0000", nil, "2024-01-05T23:30:00Z", "2024-01-05 23:30:00", 0, true},
		{"2020-09-17 02:18:22 GMT +0000", nil, "2020-09-17T02:18:22Z", "2020-09-17 02:18:22", 0, true},
		{"2020-09-17 02:18:22 GMT", kolkata, "2020-09-17T02:18:22Z", "2020-09-17 02:18:22", 0, true},
		{"2020-09-17 02:18:22 gmt", kolkata, "2020-09-17T02:18:22Z", "2020-09-17 02:18:22", 0, true},
		{"2020-09-17T02:18:22Z", kolkata, "2020-09-17T02:18:22Z", "2020-09-17 02:18:22", 0, true},
		{"2020-09-17 02:18:22.123 UTC", nil, "2020-09-17T02:18:22Z", "2020-09-17 02:18:22", 0, true},
		// No offset: the device's zone applies.
		{"2025-04-16 10:45:22", kolkata, "2025-04-16T05:15:22Z", "2025-04-16 10:45:22", 19800, false},
		{"2025-04-16 10:45:22", nil, "2025-04-16T10:45:22Z", "2025-04-16 10:45:22", 0, false},
		{"2025-4-6 9:05", nil, "2025-04-06T09:05:00Z", "2025-04-06 09:05:00", 0, false},
		{"  2025-04-16 10:45:22 GMT +0530  ", nil, "2025-04-16T05:15:22Z", "2025-04-16 10:45:22", 19800, true},
	}
	for _, tc := range tests {
		got, err := ParseTime(tc.in, tc.zone)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tc.in, err)
			continue
		}
		if got.UTC.Format(time.RFC3339) != tc.utc || got.Local != tc.local || got.Offset != tc.offset || got.Zoned != tc.zoned {
			t.Errorf("ParseTime(%q) = %s %q %d %v; want %s %q %d %v", tc.in, got.UTC.Format(time.RFC3339), got.Local, got.Offset, got.Zoned,
				tc.utc, tc.local, tc.offset, tc.zoned)
		}
		if got.UTC.Location() != time.UTC {
			t.Errorf("ParseTime(%q).UTC is in %v", tc.in, got.UTC.Location())
		}
	}
}

func TestParseTimeErrors(t *testing.T) {
	for _, in := range []string{"", "yesterday", "2020-09-17", "2020-02-30 10:00:00", "2020-09-17 25:00:00",
		"2020-09-17 07:48:22 GMT +1500", "2020-09-17 07:48:22 GMT +0560", "17/09/2020 07:48:22", "2020-09-17 07:48:22 PST"} {
		if got, err := ParseTime(in, nil); err == nil {
			t.Errorf("ParseTime(%q) = %+v, want an error", in, got)
		}
	}
}

func TestTimeRoundTrip(t *testing.T) {
	tm, err := ParseTime("2020-09-17 07:48:22 GMT +0530", nil)
	if err != nil {
		t.Fatal(err)
	}
	if tm.String() != "2020-09-17 07:48:22 GMT +0530" || tm.LocalDate() != "2020-09-17" {
		t.Errorf("String %q LocalDate %q", tm.String(), tm.LocalDate())
	}
	if in := tm.In(); in.Hour() != 7 || in.Minute() != 48 {
		t.Errorf("In = %v", in)
	}
	if (Time{}).LocalDate() != "" || !(Time{}).IsZero() {
		t.Error("zero Time")
	}
	zone, _ := ParseZone("-03:30")
	if got := FormatTime(tm.UTC, zone); got != "2020-09-16 22:48:22 GMT -0330" {
		t.Errorf("FormatTime = %q", got)
	}
	if got := FormatWall(tm.UTC, nil); got != "2020-09-17 02:18:22" {
		t.Errorf("FormatWall = %q", got)
	}
}

func TestParseZone(t *testing.T) {
	tests := []struct {
		in     string
		offset int // at 2024-01-15 12:00 UTC
	}{
		{"+05:30", 19800}, {"+0530", 19800}, {"GMT +0530", 19800}, {"UTC-3", -10800}, {"+5", 18000},
		{"-0930", -34200}, {"UTC", 0}, {"gmt", 0}, {"Z", 0}, {"Asia/Kolkata", 19800}, {"America/New_York", -18000},
	}
	at := time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		loc, err := ParseZone(tc.in)
		if err != nil {
			t.Errorf("ParseZone(%q): %v", tc.in, err)
			continue
		}
		if _, off := at.In(loc).Zone(); off != tc.offset {
			t.Errorf("ParseZone(%q) offset %d, want %d", tc.in, off, tc.offset)
		}
	}
	if loc, err := ParseZone(""); err != nil || loc != time.Local {
		t.Errorf("empty zone = %v, %v", loc, err)
	}
	for _, bad := range []string{"+15:00", "+05:75", "+123456", "Mars/Base", "GMT+abc"} {
		if _, err := ParseZone(bad); err == nil {
			t.Errorf("ParseZone(%q) accepted", bad)
		}
	}
}

// The regexp-free path for the usual form must read exactly what the general one reads, and leave
// everything else to it.
func TestParseTimeUsualFormAsGeneral(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	for _, s := range []string{
		"2026-11-26 08:09:10 GMT +0530",
		"2026-11-26 00:00:00 GMT +0530", // the previous day in UTC
		"2026-12-31 23:59:59 GMT -0300", // the next year in UTC
		"2024-02-29 12:00:00 GMT +0000",
		"2026-01-01 00:00:00 GMT +1400",
		"2026-01-01 00:00:00 GMT -1400",
		"2026-01-01 00:00:00 GMT +1500", // impossible offset: an error either way
		"2026-01-01 00:00:00 GMT +0560",
		"2026-02-30 10:00:00 GMT +0530", // no such day
		"2026-01-01 24:00:00 GMT +0530",
		"2026-01-01 10:00:00 GMT +05:3",
		"2026-01-01 10:00:00 GMT +-530",
		"2026-01-01 10:00:00 gmt +0530",
		"2026-1-1 10:00:00 GMT +053000",
		"2026-01-01T10:00:00 GMT +0530",
	} {
		want, wantErr := parseAny(s, ist)
		got, gotErr := ParseTime(s, ist)
		if got != want || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("ParseTime(%q) = %+v, %v; the general path reads %+v, %v", s, got, gotErr, want, wantErr)
		}
		if _, ok := parseUsual(s); ok && wantErr != nil {
			t.Errorf("parseUsual took %q, which is an error: %v", s, wantErr)
		}
	}
	if _, ok := parseUsual("2026-11-26 08:09:10 GMT +0530"); !ok {
		t.Error("parseUsual does not take the usual form")
	}
}

func FuzzParseTimeUsual(f *testing.F) {
	for _, s := range []string{"2026-11-26 08:09:10 GMT +0530", "2026-12-31 23:59:59 GMT -0300", "2026-01-01 00:00:00 GMT +1500"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseUsual(s)
		if !ok {
			return
		}
		if want, err := parseAny(s, time.UTC); err != nil || got != want {
			t.Fatalf("parseUsual(%q) = %+v; the general path reads %+v, %v", s, got, want, err)
		}
	})
}
