package data

import (
	"context"
	"testing"
)

func TestGenerateDemo(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const devices, users, punches = 3, 30, 1000
		if err := GenerateDemo(ctx, s, devices, users, punches, 7); err != nil {
			t.Fatal(err)
		}
		ds, _ := s.Devices(ctx)
		us, _ := s.Users(ctx, UserFilter{Limit: MaxLimit})
		n, _ := s.CountPunches(ctx, PunchFilter{})
		unknown, _ := s.UnknownUsers(ctx)
		if len(ds) != devices || len(us) != users || n != punches || len(unknown) == 0 {
			t.Errorf("generated %d devices, %d users, %d punches, %d unknown ids; want %d, %d, %d, some",
				len(ds), len(us), n, len(unknown), devices, users, punches)
		}
		for _, u := range us {
			if u.TemplateCounts[TemplateCard] != 1 {
				t.Errorf("user %s/%s has no card: %v", u.DeviceName, u.UserID, u.TemplateCounts)
				break
			}
		}
		var odd int
		err := s.EachPunch(ctx, PunchFilter{}, func(p PunchRow) error {
			if p.Local == "" || p.LocalDate != p.Local[:10] || p.LogTime[:19] != p.Local {
				odd++
			}
			return nil
		})
		if err != nil || odd > 0 {
			t.Errorf("EachPunch: %v; %d punches with inconsistent times", err, odd)
		}
		if err := GenerateDemo(ctx, s, 0, 1, 1, 1); err == nil {
			t.Error("GenerateDemo accepted 0 devices")
		}
	})
}
