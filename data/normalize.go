package data

import (
	"strings"
	"time"
)

// instant returns t in UTC with whole seconds: the form every key column holds.
func instant(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// localWallClock fills local and localDate from utc and offset when they are missing.
func localWallClock(utc time.Time, offset int, local, localDate string) (string, string) {
	if local == "" {
		local = utc.Add(time.Duration(offset) * time.Second).Format(LocalLayout)
	}
	if localDate == "" && len(local) >= len(DateLayout) {
		localDate = local[:len(DateLayout)]
	}
	return local, localDate
}

// dateOf returns the leading YYYY-MM-DD of a device time text, else utc's date.
func dateOf(text string, utc time.Time) string {
	if len(text) >= len(DateLayout) {
		if _, err := time.Parse(DateLayout, text[:len(DateLayout)]); err == nil {
			return text[:len(DateLayout)]
		}
	}
	return utc.Format(DateLayout)
}

var templateTypes = []string{
	TemplateCard, TemplatePassword, TemplateFingerprint, TemplateFace, TemplatePalm, TemplateUserPhoto,
}

// canonicalTemplateType maps any casing of a known type to its canonical form; others stay as given.
func canonicalTemplateType(t string) string {
	t = strings.TrimSpace(t)
	for _, c := range templateTypes {
		if strings.EqualFold(t, c) {
			return c
		}
	}
	return t
}

// indexless reports whether a template type is keyed by type alone.
func indexless(t string) bool {
	return t == TemplateCard || t == TemplatePassword || t == TemplateUserPhoto
}
